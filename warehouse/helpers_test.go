package warehouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

var allKPIs = []string{"deals_won", "revenue_won", "pipeline_created", "leads_created"}

var base = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func day(n int) time.Time { return time.Date(2024, 5, n, 0, 0, 0, 0, time.UTC) }

func version(n int) time.Time { return base.Add(time.Duration(n) * time.Second) }

// testEpoch is where the tests' warehouse clocks start: just after the
// days the test facts describe (day(n) is in May 2024), so that their
// rollups are within the KPI TTL (rollups expire a TTL after their day)
// whatever the wall clock says.
var testEpoch = time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC)

// onTestClock sets w's clock to one that starts at testEpoch and runs
// with the wall clock, and returns w.
func onTestClock(w *warehouse.Warehouse) *warehouse.Warehouse {
	start := time.Now()
	warehouse.SetNow(w, func() time.Time { return testEpoch.Add(time.Since(start)) })
	return w
}

// dialects runs fn once per dialect on a fresh migrated warehouse on the
// test clock.
func dialects(t *testing.T, cfg warehouse.Config, fn func(t *testing.T, w *warehouse.Warehouse)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, onTestClock(warehousetest.OpenSQLite(t, cfg))) })
	t.Run("postgres", func(t *testing.T) { fn(t, onTestClock(warehousetest.OpenPostgres(t, cfg))) })
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func upsert(key string, v int, fields map[string]any) pipeline.Record {
	return pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "deal", Key: key, Op: pipeline.OpUpsert, Version: version(v), Fields: fields}
}

func del(key string, v int) pipeline.Record {
	return pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "deal", Key: key, Op: pipeline.OpDelete, Version: version(v)}
}

func wonDeal(stage string, amount float64) map[string]any {
	return map[string]any{"owner_id": "rep1", "stage": stage, "is_won": true, "is_closed": true,
		"amount": amount, "currency": "EUR", "close_date": day(3), "created_at": day(1)}
}

func write(t *testing.T, w *warehouse.Warehouse, recs ...pipeline.Record) {
	t.Helper()
	if err := w.Write(ctxT(t), pipeline.Batch{Records: recs}); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// dealStages returns key → stage of the stored deals.
func dealStages(t *testing.T, w *warehouse.Warehouse) map[string]string {
	t.Helper()
	rows, err := w.DB().QueryContext(ctxT(t), "SELECT key, coalesce(stage, '') FROM deal_facts")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, s string
		if err := rows.Scan(&k, &s); err != nil {
			t.Fatal(err)
		}
		out[k] = s
	}
	return out
}

// assertConsistent checks that kpi_daily equals its recomputation.
func assertConsistent(t *testing.T, w *warehouse.Warehouse, kpis []string) {
	t.Helper()
	warehousetest.AssertRollupsMatchFacts(t, w, kpis)
}

// assertConsistentLive checks kpi_daily against its recomputation when
// some rollups are past retention (see AssertLiveRollupsMatchFacts).
func assertConsistentLive(t *testing.T, w *warehouse.Warehouse, kpis []string, live func(day time.Time) bool) {
	t.Helper()
	warehousetest.AssertLiveRollupsMatchFacts(t, w, kpis, live)
}

func dump(t *testing.T, w *warehouse.Warehouse) string {
	t.Helper()
	s, err := warehousetest.Dump(ctxT(t), w.DB())
	if err != nil {
		t.Fatalf("Dump: %v", err)
	}
	return s
}

func openPostgresOrSkip(t *testing.T, cfg warehouse.Config) *warehouse.Warehouse {
	t.Helper()
	return onTestClock(warehousetest.OpenPostgres(t, cfg))
}

func openSQLite(t *testing.T, cfg warehouse.Config) *warehouse.Warehouse {
	t.Helper()
	return onTestClock(warehousetest.OpenSQLite(t, cfg))
}
