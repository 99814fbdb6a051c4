package warehouse_test

import (
	"fmt"
	"strings"
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
	const size = 1000
	tp := pipeline.TopicPartition{Topic: "tally.t1.hubspot.deal", Partition: 0}
	ctx := ctxT(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		recs := make([]pipeline.Record, size)
		for j := range recs {
			recs[j] = upsert(fmt.Sprintf("k%d-%d", i, j), 1, fields(i, j))
		}
		batch := pipeline.Batch{Records: recs, Offsets: map[pipeline.TopicPartition]int64{tp: int64((i + 1) * size)}}
		b.StartTimer()
		if err := w.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "records/s")
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
// metrics, 547,500 rows, spread over the weekly partitions they belong
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
