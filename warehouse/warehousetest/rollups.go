package warehousetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
)

// AssertRollupsMatchFacts fails the test unless kpi_daily equals the
// rollups of the enabled KPIs recomputed from the facts with GROUP BY,
// the definition kpi_daily must always meet.
func AssertRollupsMatchFacts(t testing.TB, w *warehouse.Warehouse, kpis []string) {
	t.Helper()
	AssertLiveRollupsMatchFacts(t, w, kpis, func(time.Time) bool { return true })
}

// AssertLiveRollupsMatchFacts is AssertRollupsMatchFacts when some
// rollups are past retention: the stored rollups of the days for which
// live is true equal the GROUP BY over the facts of those days. Rollups
// of other days are not compared: a write never adds to nor deletes a
// rollup past its expiry, which may be stale until purge removes it.
func AssertLiveRollupsMatchFacts(t testing.TB, w *warehouse.Warehouse, kpis []string, live func(day time.Time) bool) {
	t.Helper()
	isLive := func(k string) bool {
		d, err := time.Parse(time.DateOnly, strings.Split(k, "|")[2])
		if err != nil {
			t.Fatal(err)
		}
		return live(d)
	}
	want, got := map[string]Rollup{}, map[string]Rollup{}
	for k, r := range recompute(t, w, kpis) {
		if isLive(k) {
			want[k] = r
		}
	}
	for k, r := range StoredRollups(t, w) {
		if isLive(k) {
			got[k] = r
		}
	}
	// Exact: no tolerance. Exact compares decimals by value (1.50 = 1.5).
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("kpi_daily differs from GROUP BY over facts (-want +got):\n%s", diff)
	}
}

// Rollup is one kpi_daily row's value and count. Exact is the value as
// stored; Value is its nearest float64, for assertions on small numbers.
type Rollup struct {
	Exact decimal.Decimal
	Value float64
	N     int64
}

// recompute derives the rollups of the enabled KPIs from the facts with
// an exact sum: numeric sum() on PostgreSQL, the warehouse's decimal_sum
// over decimal text on SQLite.
func recompute(t testing.TB, w *warehouse.Warehouse, kpis []string) map[string]Rollup {
	t.Helper()
	cat := schemas.Default()
	sum := "sum(v)"
	if w.Driver() == warehouse.SQLite {
		sum = "decimal_sum(v)"
	}
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
			"SELECT tenant, metric, day, rep, dimension, currency, "+sum+" AS value, count(*) AS n FROM ("+
				"SELECT tenant, '%s' AS metric, %s AS day, %s AS rep, %s AS dimension, %s AS currency, %s AS v FROM %s WHERE %s"+
				") f GROUP BY tenant, metric, day, rep, dimension, currency",
			k.Name, k.Day, opt(k.Rep), opt(k.Dimension), opt(k.Currency), v, warehouse.FactTable(k.Object), where))
	}
	return readRollups(t, w, strings.Join(parts, " UNION ALL "))
}

// StoredRollups returns every kpi_daily row by its key
// "tenant|metric|day|rep|dimension|currency".
func StoredRollups(t testing.TB, w *warehouse.Warehouse) map[string]Rollup {
	t.Helper()
	return readRollups(t, w, "SELECT tenant, metric, day, rep, dimension, currency, value, n FROM kpi_daily")
}

func readRollups(t testing.TB, w *warehouse.Warehouse, q string) map[string]Rollup {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rows, err := w.DB().QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("reading rollups: %v", err)
	}
	defer rows.Close()
	out := map[string]Rollup{}
	for rows.Next() {
		var tenant, metric, rep, dim, cur string
		var dayV, valV any
		var n int64
		if err := rows.Scan(&tenant, &metric, &dayV, &rep, &dim, &cur, &valV, &n); err != nil {
			t.Fatal(err)
		}
		exact := ToDecimal(t, valV)
		out[strings.Join([]string{tenant, metric, DayText(dayV), rep, dim, cur}, "|")] = Rollup{exact, exact.Float64(), n}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// DayText renders a date column as read from either dialect as
// YYYY-MM-DD, the day part of the keys StoredRollups returns.
func DayText(v any) string {
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

// ToDecimal converts a numeric column as read from either dialect
// (numeric text from PostgreSQL, decimal text from SQLite) exactly.
func ToDecimal(t testing.TB, v any) decimal.Decimal {
	t.Helper()
	var d decimal.Decimal
	if err := d.Scan(v); err != nil {
		t.Fatalf("numeric value of type %T: %v", v, err)
	}
	return d
}

// ToFloat converts a numeric column as read from either dialect to the
// nearest float64.
func ToFloat(t testing.TB, v any) float64 {
	t.Helper()
	return ToDecimal(t, v).Float64()
}
