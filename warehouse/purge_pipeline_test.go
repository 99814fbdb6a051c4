package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// pipelineStart is a Monday (a partition boundary) of the pipelined drop
// tests' expired rows.
var pipelineStart = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)

// seedWeeks opens a PostgreSQL warehouse whose clock is at cutoff and
// fills deal_facts with perWeek expired rows in each of weeks weekly
// partitions from pipelineStart, generated in SQL.
func seedWeeks(t *testing.T, weeks, perWeek int, cutoff time.Time) *warehouse.Warehouse {
	t.Helper()
	w := warehousetest.OpenPostgres(t, purgeCfg)
	warehouse.SetNow(w, func() time.Time { return cutoff })
	if err := warehouse.EnsurePartitions(w, "deal_facts", pipelineStart, pipelineStart.Add(time.Duration(weeks-1)*warehouse.PartitionPeriod)); err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf(`INSERT INTO deal_facts (tenant, key, source, owner_id, stage, is_won, is_closed, amount, currency,
		close_date, created_at, version, written_at, expires_at)
		SELECT 't1', 'k' || g, 'hubspot', 'rep1', 'won', true, true, 10, 'EUR', DATE '2024-05-01', DATE '2024-04-01',
		TIMESTAMPTZ '2024-06-01', TIMESTAMPTZ '2024-06-01',
		$1::timestamptz + (g %% %d) * interval '7 days' + (g %% 1000) * interval '1 second'
		FROM generate_series(1, %d) AS g`, weeks, weeks*perWeek)
	if _, err := w.DB().ExecContext(ctxT(t), q, pipelineStart); err != nil {
		t.Fatal(err)
	}
	return w
}

// pipelineWeeks is how many expired weekly partitions the pipelined drop
// tests seed: three drop transactions, the last one partial.
const pipelineWeeks, pipelineChunks = 2*warehouse.DropChunk + 1, 3

// TestPurgePipelinedDropsCountEveryPartition checks the pipelined
// partition drop: every expired partition is dropped, in chunks of
// DropChunk per transaction, the evidence counts exactly the rows
// dropped, and the hook sees each commit once.
func TestPurgePipelinedDropsCountEveryPartition(t *testing.T) {
	const weeks, perWeek = pipelineWeeks, 20
	cutoff := pipelineStart.Add((weeks + 1) * warehouse.PartitionPeriod)
	w := seedWeeks(t, weeks, perWeek, cutoff)
	commits := 0
	warehouse.SetPurgeHook(w, func(step string) {
		if step == "partition" {
			commits++
		}
	})
	run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{})
	if err != nil || run.Verified == nil || !*run.Verified {
		t.Fatalf("Purge() = %v, verified %v", err, run.Verified)
	}
	if got, parts := removed(run, "deal_facts"); got != weeks*perWeek || parts != weeks {
		t.Errorf("purge removed %d rows in %d partitions, want %d in %d", got, parts, weeks*perWeek, weeks)
	}
	if commits != pipelineChunks {
		t.Errorf("%d partition commits seen, want %d", commits, pipelineChunks)
	}
	if n := countRows(t, w, "deal_facts", ""); n != 0 {
		t.Errorf("%d deal facts left, want 0", n)
	}
}

// TestPurgeInterruptedBetweenDropsRecordsWhatWasDropped cancels a purge
// right after its first drop commit, while the second chunk's
// transaction is open: the evidence of the interrupted run counts only
// committed drops, which match the rows gone, and the next run drops the
// rest.
func TestPurgeInterruptedBetweenDropsRecordsWhatWasDropped(t *testing.T) {
	const weeks, perWeek = pipelineWeeks, 20
	cutoff := pipelineStart.Add((weeks + 1) * warehouse.PartitionPeriod)
	w := seedWeeks(t, weeks, perWeek, cutoff)
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	commits := 0
	warehouse.SetPurgeHook(w, func(step string) {
		if step == "partition" {
			if commits++; commits == 1 {
				cancel()
			}
		}
	})
	run, err := w.Purge(ctx, warehouse.PurgeOptions{})
	if !errors.Is(err, context.Canceled) || run.Status != warehouse.StatusInterrupted {
		t.Fatalf("interrupted Purge() = %v, status %s; want context.Canceled, interrupted", err, run.Status)
	}
	first, parts := removed(run, "deal_facts")
	left := countRows(t, w, "deal_facts", "")
	if first+left != weeks*perWeek || parts < warehouse.DropChunk || parts >= weeks {
		t.Fatalf("interrupted purge recorded %d rows in %d partitions with %d left, want them to add up to %d over %d to %d partitions",
			first, parts, left, weeks*perWeek, warehouse.DropChunk, weeks-1)
	}
	warehouse.SetPurgeHook(w, nil)
	run, err = w.Purge(ctxT(t), warehouse.PurgeOptions{})
	if err != nil || run.Verified == nil || !*run.Verified {
		t.Fatalf("resumed Purge() = %v, verified %v", err, run.Verified)
	}
	if got, _ := removed(run, "deal_facts"); got != left {
		t.Errorf("resumed purge removed %d rows, want the %d left", got, left)
	}
}
