package warehousetest

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
)

// AssertRollupsMatchFacts fails the test unless kpi_daily equals the
// rollups of the enabled KPIs recomputed from the facts with GROUP BY,
// the definition kpi_daily must always meet.
func AssertRollupsMatchFacts(t testing.TB, w *warehouse.Warehouse, kpis []string) {
	t.Helper()
	want, got := recompute(t, w, kpis), storedRollups(t, w)
	approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(1, math.Abs(a)) })
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Fatalf("kpi_daily differs from GROUP BY over facts (-want +got):\n%s", diff)
	}
}

type rollup struct {
	Value float64
	N     int64
}

// recompute derives the rollups of the enabled KPIs from the facts.
func recompute(t testing.TB, w *warehouse.Warehouse, kpis []string) map[string]rollup {
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

func storedRollups(t testing.TB, w *warehouse.Warehouse) map[string]rollup {
	t.Helper()
	return readRollups(t, w, "SELECT tenant, metric, day, rep, dimension, currency, value, n FROM kpi_daily")
}

func readRollups(t testing.TB, w *warehouse.Warehouse, q string) map[string]rollup {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rows, err := w.DB().QueryContext(ctx, q)
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

func toFloat(t testing.TB, v any) float64 {
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
