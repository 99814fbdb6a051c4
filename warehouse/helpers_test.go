package warehouse_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
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

type rollup struct {
	Value float64
	N     int64
}

// recompute derives the rollups of the enabled KPIs from the facts with
// GROUP BY, the definition kpi_daily must always equal.
func recompute(t *testing.T, w *warehouse.Warehouse, kpis []string) map[string]rollup {
	t.Helper()
	cat := schemas.Default()
	var parts []string
	for _, name := range kpis {
		k, _ := cat.KPI(name)
		opt := func(col string) string {
			if col == "" {
				return "''"
			}
			return "coalesce(" + col + ", '')"
		}
		v := "1"
		if k.Measure == "sum" {
			v = "coalesce(" + k.Value + ", 0)"
		}
		where := k.Day + " IS NOT NULL"
		if k.When != "" {
			where += " AND " + k.When
		}
		parts = append(parts, fmt.Sprintf(
			"SELECT tenant, metric, day, rep, dimension, currency, sum(v) AS value, count(*) AS n FROM ("+
				"SELECT tenant, '%s' AS metric, %s AS day, %s AS rep, %s AS dimension, %s AS currency, %s AS v FROM %s WHERE %s"+
				") f GROUP BY tenant, metric, day, rep, dimension, currency",
			k.Name, k.Day, opt(k.Rep), opt(k.Dimension), opt(k.Currency), v, warehouse.FactTable(k.Object), where))
	}
	return readRollups(t, w, strings.Join(parts, " UNION ALL "))
}

func stored(t *testing.T, w *warehouse.Warehouse) map[string]rollup {
	t.Helper()
	return readRollups(t, w, "SELECT tenant, metric, day, rep, dimension, currency, value, n FROM kpi_daily")
}

func readRollups(t *testing.T, w *warehouse.Warehouse, q string) map[string]rollup {
	t.Helper()
	rows, err := w.DB().QueryContext(ctxT(t), q)
	if err != nil {
		t.Fatalf("reading rollups: %v", err)
	}
	defer rows.Close()
	out := map[string]rollup{}
	for rows.Next() {
		var tenant, metric, rep, dim, cur string
		var dayV, valV any
		var n int64
		if err := rows.Scan(&tenant, &metric, &dayV, &rep, &dim, &cur, &valV, &n); err != nil {
			t.Fatal(err)
		}
		out[strings.Join([]string{tenant, metric, dayText(dayV), rep, dim, cur}, "|")] = rollup{toFloat(t, valV), n}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func dayText(v any) string {
	switch d := v.(type) {
	case time.Time:
		return d.UTC().Format(time.DateOnly)
	case []byte:
		return string(d)[:10]
	case string:
		return d[:10]
	}
	return fmt.Sprint(v)
}

func toFloat(t *testing.T, v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case []byte:
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Fatalf("value of type %T", v)
	return 0
}

// assertConsistent checks that kpi_daily equals its recomputation.
func assertConsistent(t *testing.T, w *warehouse.Warehouse, kpis []string) {
	t.Helper()
	assertConsistentLive(t, w, kpis, func(time.Time) bool { return true })
}

// assertConsistentLive checks kpi_daily against its recomputation when
// some rollups are past retention: every stored rollup equals the GROUP
// BY over the facts, and every recomputed rollup of a day for which live
// is true is stored.
func assertConsistentLive(t *testing.T, w *warehouse.Warehouse, kpis []string, live func(day time.Time) bool) {
	t.Helper()
	all, got := recompute(t, w, kpis), stored(t, w)
	want := map[string]rollup{}
	for k, r := range all {
		d, err := time.Parse(time.DateOnly, strings.Split(k, "|")[2])
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := got[k]; ok || live(d) {
			want[k] = r
		}
	}
	approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(a)) })
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Fatalf("kpi_daily differs from GROUP BY over facts (-want +got):\n%s", diff)
	}
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
