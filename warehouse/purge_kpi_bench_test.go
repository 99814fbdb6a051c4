package warehouse_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// seedKPIHistory opens a warehouse whose kpi_daily holds two years of
// rollups before now (reps × 730 days × 3 metrics; TALLY_BENCH_KPI_REPS,
// default 250: 547,500 rows), stamped with a 365-day KPI TTL but for one
// rollup in 50 stamped under a 30-day one, in the partitions they
// belong to; statistics are fresh and the pages on disk.
func seedKPIHistory(b *testing.B, now time.Time) *warehouse.Warehouse {
	b.Helper()
	reps := 250
	if n, err := strconv.Atoi(os.Getenv("TALLY_BENCH_KPI_REPS")); err == nil && n > 0 {
		reps = n
	}
	w := warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs, KPITTL: 365 * 24 * time.Hour})
	warehouse.SetNow(w, func() time.Time { return now })
	first := now.AddDate(-2, 0, 0).Truncate(24 * time.Hour)
	if err := warehouse.EnsurePartitions(w, "kpi_daily", first, now); err != nil {
		b.Fatal(err)
	}
	seed := `INSERT INTO kpi_daily (tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at)
		SELECT 't1', m, d::date, 'rep' || r, '', '', 10, 1, d,
			d + interval '1 day' + CASE WHEN r % 50 = 7 THEN interval '30 days' ELSE interval '365 days' END
		FROM generate_series($1::timestamptz, $1::timestamptz + interval '729 days', interval '1 day') AS d,
			generate_series(0, $2 - 1) AS r, unnest(ARRAY['deals_won', 'revenue_won', 'pipeline_created']) AS m`
	if _, err := w.DB().ExecContext(ctxB(b), seed, first, reps); err != nil {
		b.Fatalf("seeding kpi_daily: %v", err)
	}
	for _, q := range []string{"ANALYZE kpi_daily", "CHECKPOINT"} {
		if _, err := w.DB().ExecContext(ctxB(b), q); err != nil {
			b.Fatal(err)
		}
	}
	return w
}

// BenchmarkPurgeKPI measures purge on a large kpi_daily: "first" is the
// first purge after the history was written (it drops the year of
// rollups past the TTL and deletes the short-TTL stragglers of the year
// kept), "daily" each later purge one day apart, which deletes a day of
// stragglers and now and then drops a partition.
func BenchmarkPurgeKPI(b *testing.B) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	purge := func(b *testing.B, w *warehouse.Warehouse) {
		run, err := w.Purge(ctxB(b), warehouse.PurgeOptions{})
		if err != nil || run.Verified == nil || !*run.Verified {
			b.Fatalf("Purge() = %v, verified %v", err, run.Verified)
		}
	}
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			w := seedKPIHistory(b, now)
			b.StartTimer()
			purge(b, w)
		}
	})
	b.Run("daily", func(b *testing.B) {
		w := seedKPIHistory(b, now)
		w.DB().SetMaxIdleConns(8)
		c := &clock{t: now}
		warehouse.SetNow(w, c.now)
		purge(b, w)
		cpu0 := backendsCPU(b, w)
		for b.Loop() {
			c.add(24 * time.Hour)
			purge(b, w)
		}
		b.StopTimer()
		var total time.Duration
		for pid, t := range backendsCPU(b, w) {
			total += t - cpu0[pid]
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "pg-cpu-ms/op")
	})
}

// backendsCPU returns the CPU time of every PostgreSQL backend connected
// to w's database, by pid. The server runs on this machine.
func backendsCPU(b *testing.B, w *warehouse.Warehouse) map[int]time.Duration {
	var pids []int
	if err := w.DB().SelectContext(ctxB(b), &pids, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"); err != nil {
		b.Fatal(err)
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		if t := procCPU(pid); t >= 0 {
			out[pid] = t
		}
	}
	return out
}
