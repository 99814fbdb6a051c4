package warehouse_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// benchmarkWrite writes batches of 1000 new deals, as a consumer does
// during an initial sync, and reports records per second. fields returns
// the fields of deal j of batch i.
func benchmarkWrite(b *testing.B, w *warehouse.Warehouse, fields func(i, j int) map[string]any) {
	benchmarkWriteKeys(b, w, func(i, j int) string { return fmt.Sprintf("k%d-%d", i, j) }, fields)
}

// benchmarkWriteKeys is benchmarkWrite with the key of deal j of batch i
// given by key.
func benchmarkWriteKeys(b *testing.B, w *warehouse.Warehouse, key func(i, j int) string, fields func(i, j int) map[string]any) {
	const size = 1000
	tp := pipeline.TopicPartition{Topic: "tally.t1.hubspot.deal", Partition: 0}
	ctx := ctxT(b)
	// TALLY_BENCH_WRITE_PATH=arrays measures the write path as it was
	// before COPY staging (unnested text arrays), in the same binary.
	if os.Getenv("TALLY_BENCH_WRITE_PATH") == "arrays" {
		warehouse.SetLegacyWrites(true)
		defer warehouse.SetLegacyWrites(false)
	}
	// Wall-clock time is noisy on a shared machine; the CPU seconds the
	// client and its PostgreSQL backend spend per batch are not. One
	// connection, so that its backend is the only one to measure.
	w.DB().SetMaxOpenConns(1)
	cpu := startCPU(ctx, b, w)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		recs := make([]pipeline.Record, size)
		for j := range recs {
			recs[j] = upsert(key(i, j), 1, fields(i, j))
		}
		batch := pipeline.Batch{Records: recs, Offsets: map[pipeline.TopicPartition]int64{tp: int64((i + 1) * size)}}
		b.StartTimer()
		if err := w.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "records/s")
	cpu.report(ctx, b)
}

// cpuMeter measures the CPU time of this process and of the PostgreSQL
// backend serving w's one connection (read from /proc: the server runs
// on this machine).
type cpuMeter struct {
	w             *warehouse.Warehouse
	pid           int
	client, proc0 time.Duration
}

func startCPU(ctx context.Context, b *testing.B, w *warehouse.Warehouse) *cpuMeter {
	m := &cpuMeter{w: w}
	if err := w.DB().GetContext(ctx, &m.pid, "SELECT pg_backend_pid()"); err != nil {
		b.Fatal(err)
	}
	m.client, m.proc0 = clientCPU(), procCPU(m.pid)
	return m
}

func (m *cpuMeter) report(ctx context.Context, b *testing.B) {
	var pid int
	if err := m.w.DB().GetContext(ctx, &pid, "SELECT pg_backend_pid()"); err != nil {
		b.Fatal(err)
	}
	if pid != m.pid || m.proc0 < 0 {
		return // the connection was replaced: no server figure
	}
	n := float64(b.N)
	b.ReportMetric(float64((clientCPU()-m.client).Microseconds())/1000/n, "client-cpu-ms/op")
	b.ReportMetric(float64((procCPU(pid)-m.proc0).Microseconds())/1000/n, "pg-cpu-ms/op")
}

func clientCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns the user and system time of process pid, or -1 if it
// cannot be read.
func procCPU(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// recentDeal is deal j of every batch of BenchmarkWritePostgres: 25 reps,
// 28 days in May 2024.
func recentDeal(_, j int) map[string]any {
	f := wonDeal("stage", float64(j%997)+0.5)
	f["owner_id"] = fmt.Sprintf("rep%d", j%25)
	f["close_date"] = day(1 + j%28)
	return f
}

func BenchmarkWritePostgres(b *testing.B) {
	benchmarkWrite(b, onTestClock(warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs})), recentDeal)
}

func BenchmarkWriteSQLite(b *testing.B) {
	benchmarkWrite(b, onTestClock(warehousetest.OpenSQLite(b, warehouse.Config{KPIs: allKPIs})), recentDeal)
}

// BenchmarkWritePostgresHistory is benchmarkWrite against a kpi_daily
// that already holds two years of rollups (250 reps × 730 days × 3
// metrics, 547,500 rows, spread over the partitions they belong
// to), as in steady state, with the new deals' days spread over the last
// 90 days. The cost of a rollup write that must find its existing row
// shows here, where kpi_daily is big and partitioned, and not in
// BenchmarkWritePostgres, whose kpi_daily stays under 1,500 rows.
func BenchmarkWritePostgresHistory(b *testing.B) {
	w := warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs})
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	warehouse.SetNow(w, func() time.Time { return now })
	first := now.AddDate(-2, 0, 0).Truncate(24 * time.Hour)
	ctx := ctxT(b)
	var key string
	if err := w.DB().GetContext(ctx, &key, "SELECT pg_get_partkeydef('kpi_daily'::regclass)"); err != nil {
		b.Fatal(err)
	}
	// Existing rollups sit where their writer put them: by day, or (on
	// an expires_at-partitioned kpi_daily) at their last update + TTL,
	// taken here as their day + TTL.
	from, to := first, now
	if strings.Contains(key, "expires_at") {
		from, to = first.Add(warehouse.DefaultKPITTL), now.Add(warehouse.DefaultKPITTL+48*time.Hour)
	}
	if err := warehouse.EnsurePartitions(w, "kpi_daily", from, to); err != nil {
		b.Fatal(err)
	}
	seed := `INSERT INTO kpi_daily (tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at)
		SELECT 't1', m, d::date, 'rep' || r, '', CASE WHEN m = 'deals_won' THEN '' ELSE 'EUR' END, 10, 1, d,
			d + interval '1 day' + $2 * interval '1 second'
		FROM generate_series($1::timestamptz, $1::timestamptz + interval '729 days', interval '1 day') AS d,
			generate_series(0, 249) AS r, unnest(ARRAY['deals_won', 'revenue_won', 'pipeline_created']) AS m`
	if _, err := w.DB().ExecContext(ctx, seed, first, int64(warehouse.DefaultKPITTL/time.Second)); err != nil {
		b.Fatalf("seeding kpi_daily: %v", err)
	}
	if _, err := w.DB().ExecContext(ctx, "ANALYZE kpi_daily"); err != nil {
		b.Fatal(err)
	}
	benchmarkWrite(b, w, func(i, j int) map[string]any {
		f := wonDeal("stage", float64(j%997)+0.5)
		f["owner_id"] = fmt.Sprintf("rep%d", (i*1000+j)%250)
		f["close_date"] = now.AddDate(0, 0, -1-(j*7+i)%90).Truncate(24 * time.Hour)
		f["created_at"] = now.AddDate(0, 0, -1-(j*13+i)%90).Truncate(24 * time.Hour)
		f["is_won"] = j%7 == 0
		return f
	})
}
