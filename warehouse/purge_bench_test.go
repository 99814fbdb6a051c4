package warehouse_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
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

var benchStart = time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC) // a Monday: partition boundary

// seedExpired fills table with n expired deal facts whose expires_at
// spreads over 10 weekly partitions, generated in SQL, then VACUUM
// ANALYZEs it as a production table would be.
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
	if _, err := w.DB().ExecContext(ctxB(b), "VACUUM ANALYZE "+table); err != nil {
		b.Fatal(err)
	}
}

// ctxB is a generous context for seeding millions of rows.
func ctxB(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	b.Cleanup(cancel)
	return ctx
}

// BenchmarkPurge compares removing the same n expired fact rows by
// partition drop (tally purge: count for the evidence, DETACH, DROP,
// straggler scan, verification, evidence row) with one plain DELETE on
// an unpartitioned copy of the table.
func BenchmarkPurge(b *testing.B) {
	n := purgeBenchRows(b)
	cutoff := benchStart.Add(11 * warehouse.PartitionPeriod)
	b.Run("partition-drop", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w := warehousetest.OpenPostgres(b, warehouse.Config{})
			if err := warehouse.EnsurePartitions(w, "deal_facts", benchStart, benchStart.Add(9*warehouse.PartitionPeriod)); err != nil {
				b.Fatal(err)
			}
			seedExpired(b, w, "deal_facts", n)
			warehouse.SetNow(w, func() time.Time { return cutoff })
			b.StartTimer()
			run, err := w.Purge(ctxB(b), warehouse.PurgeOptions{})
			b.StopTimer()
			if err != nil || run.Verified == nil || !*run.Verified {
				b.Fatalf("Purge() = %v, verified %v", err, run.Verified)
			}
			if got, parts := removed(run, "deal_facts"); got != int64(n) || parts != 10 {
				b.Fatalf("purge removed %d rows in %d partitions, want %d in 10", got, parts, n)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(n), "rows/op")
	})
	b.Run("detach-drop-only", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w := warehousetest.OpenPostgres(b, warehouse.Config{})
			if err := warehouse.EnsurePartitions(w, "deal_facts", benchStart, benchStart.Add(9*warehouse.PartitionPeriod)); err != nil {
				b.Fatal(err)
			}
			seedExpired(b, w, "deal_facts", n)
			parts, err := w.Partitions(ctxT(b))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			for _, p := range parts {
				if p.Table != "deal_facts" || p.To.After(cutoff) {
					continue
				}
				for _, q := range []string{"ALTER TABLE deal_facts DETACH PARTITION " + p.Name, "DROP TABLE " + p.Name} {
					if _, err := w.Exec(ctxT(b), q); err != nil {
						b.Fatal(err)
					}
				}
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
