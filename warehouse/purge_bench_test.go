package warehouse_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// purgeBenchRows reads TALLY_BENCH_PURGE_ROWS (make bench-purge sets 10M);
// without it the purge benchmarks skip, so `go test -bench .` stays quick.
func purgeBenchRows(b *testing.B) int {
	n, err := strconv.Atoi(os.Getenv("TALLY_BENCH_PURGE_ROWS"))
	if err != nil || n <= 0 {
		b.Skip("set TALLY_BENCH_PURGE_ROWS (make bench-purge) to run the purge benchmarks")
	}
	return n
}

var benchStart = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC) // a Monday

// benchWeeks is how many weeks the seeded expiries spread over; the
// purge benchmarks cut off a week after the last.
const benchWeeks = 10

// seedExpired fills table with n expired deal facts whose expires_at
// spreads over 10 weeks (3 four-week partitions), generated in SQL, then VACUUM
// ANALYZEs it as a production table would be and CHECKPOINTs: expired
// partitions were written a TTL ago, so their pages are long on disk,
// and a drop does not wait for the writeback of freshly written ones.
func seedExpired(b *testing.B, w *warehouse.Warehouse, table string, n int) {
	b.Helper()
	q := fmt.Sprintf(`INSERT INTO %s (tenant, key, source, owner_id, stage, is_won, is_closed, amount, currency,
		close_date, created_at, version, written_at, expires_at)
		SELECT 't1', 'k' || g, 'hubspot', 'rep' || (g %% 500), 'won', true, true, (g %% 10000)::numeric, 'EUR',
		DATE '2024-05-01', DATE '2024-04-01', TIMESTAMPTZ '2024-06-01', TIMESTAMPTZ '2024-06-01',
		$1::timestamptz + (g %% 10) * interval '7 days' + (g %% 604800) * interval '1 second'
		FROM generate_series(1, %d) AS g`, table, n)
	if _, err := w.DB().ExecContext(ctxB(b), q, benchStart); err != nil {
		b.Fatalf("seeding %s: %v", table, err)
	}
	for _, q := range []string{"VACUUM ANALYZE " + table, "CHECKPOINT"} {
		if _, err := w.DB().ExecContext(ctxB(b), q); err != nil {
			b.Fatal(err)
		}
	}
}

// ctxB is a generous context for seeding millions of rows.
func ctxB(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	b.Cleanup(cancel)
	return ctx
}

// seededPartitions opens a warehouse whose deal_facts holds n expired
// rows over 10 weeks, with the partitions a purge at cutoff creates ahead
// already there (as after the previous purge or the start of tally run),
// and returns it with the partitions holding those rows.
func seededPartitions(b *testing.B, n int, cutoff time.Time) (*warehouse.Warehouse, []string) {
	b.Helper()
	w := warehousetest.OpenPostgres(b, warehouse.Config{})
	warehouse.SetNow(w, func() time.Time { return cutoff })
	if err := w.EnsurePartitionsAhead(ctxB(b)); err != nil {
		b.Fatal(err)
	}
	if err := warehouse.EnsurePartitions(w, "deal_facts", benchStart, benchStart.Add(benchWeeks*7*24*time.Hour)); err != nil {
		b.Fatal(err)
	}
	seedExpired(b, w, "deal_facts", n)
	parts, err := w.Partitions(ctxT(b))
	if err != nil {
		b.Fatal(err)
	}
	var names []string
	for _, p := range parts {
		if p.Table == "deal_facts" && !p.To.After(cutoff) {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		b.Fatal("no expired partitions")
	}
	return w, names
}

// execAll runs the statements in one transaction.
func execAll(b *testing.B, w *warehouse.Warehouse, qs ...string) {
	b.Helper()
	tx, err := w.DB().BeginTx(ctxB(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range qs {
		if _, err := tx.ExecContext(ctxB(b), q); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPurge compares ways to remove the same n expired fact rows:
// tally purge (partition drop with an exact count for the evidence,
// straggler probe, verification, evidence row), its drop and its count
// alone, the drop as tally did it before (DETACH then DROP, one
// transaction per partition), and one plain DELETE on an unpartitioned
// copy of the table.
func BenchmarkPurge(b *testing.B) {
	n := purgeBenchRows(b)
	// Past the end of the partition holding the last expiry.
	cutoff := benchStart.Add((benchWeeks + 1) * 7 * 24 * time.Hour)
	b.Run("purge", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w, names := seededPartitions(b, n, cutoff)
			b.StartTimer()
			run, err := w.Purge(ctxB(b), warehouse.PurgeOptions{})
			b.StopTimer()
			if err != nil || run.Verified == nil || !*run.Verified {
				b.Fatalf("Purge() = %v, verified %v", err, run.Verified)
			}
			if got, parts := removed(run, "deal_facts"); got != int64(n) || parts != len(names) {
				b.Fatalf("purge removed %d rows in %d partitions, want %d in %d", got, parts, n, len(names))
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(n), "rows/op")
	})
	b.Run("drop", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w, names := seededPartitions(b, n, cutoff)
			b.StartTimer()
			execAll(b, w, "DROP TABLE "+strings.Join(names, ", "))
		}
		b.ReportMetric(float64(n), "rows/op")
	})
	b.Run("count", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w, names := seededPartitions(b, n, cutoff)
			parts := make([]string, len(names))
			for i, p := range names {
				parts[i] = "SELECT count(*) AS n FROM " + p
			}
			b.StartTimer()
			var total int64
			if err := w.DB().GetContext(ctxB(b), &total, "SELECT sum(n)::bigint FROM ("+strings.Join(parts, " UNION ALL ")+") AS c"); err != nil || total != int64(n) {
				b.Fatalf("count = %d, %v; want %d", total, err, n)
			}
		}
		b.ReportMetric(float64(n), "rows/op")
	})
	b.Run("detach-drop-per-partition", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w, names := seededPartitions(b, n, cutoff)
			b.StartTimer()
			for _, p := range names {
				execAll(b, w, "ALTER TABLE deal_facts DETACH PARTITION "+p, "DROP TABLE "+p)
			}
		}
		b.ReportMetric(float64(n), "rows/op")
	})
	b.Run("plain-delete", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w := warehousetest.OpenPostgres(b, warehouse.Config{})
			for _, q := range []string{
				"CREATE TABLE plain_facts (LIKE deal_facts INCLUDING DEFAULTS)",
				"ALTER TABLE plain_facts ADD PRIMARY KEY (tenant, key)",
				"CREATE INDEX plain_facts_expires_at ON plain_facts (expires_at)",
			} {
				if _, err := w.Exec(ctxT(b), q); err != nil {
					b.Fatal(err)
				}
			}
			seedExpired(b, w, "plain_facts", n)
			b.StartTimer()
			got, err := w.Exec(ctxB(b), "DELETE FROM plain_facts WHERE expires_at < ?", cutoff)
			b.StopTimer()
			if err != nil || got != int64(n) {
				b.Fatalf("DELETE = %d rows, %v; want %d", got, err, n)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(n), "rows/op")
	})
}
