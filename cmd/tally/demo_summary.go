package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// printDemoSummary prints what the demo pulled and kept, the KPI table,
// and how to query the warehouse.
func printDemoSummary(ctx context.Context, g *globals, a *app, sim *simulation, took time.Duration) error {
	out := g.stdout
	snap := a.stats.Snapshot()
	var pulled int64
	for _, s := range snap {
		pulled += s.Pulled
	}
	fmt.Fprintf(out, "\ntally demo: %d records from a simulated %s in %s (%.0f records/s)%s\n\n",
		pulled, sim.vendor, took.Round(time.Millisecond), float64(pulled)/took.Seconds(), peakRSS())

	atSource := sim.personal
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "object\tpulled\twritten\tdeleted\tquarantined\tpersonal values at source\tpulled (ids, owner refs)\tkept raw\t")
	for _, s := range snap {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", s.Object, s.Pulled, s.Upserted, s.Deleted,
			s.Quarantined, atSource[s.Object], s.PersonalSeen, s.PersonalKept)
	}
	tw.Flush()
	fmt.Fprintln(out, "\nNames, emails, phones, deal names and notes are never requested; ids and owner references")
	fmt.Fprintln(out, "are stored only as keyed pseudonyms (k1_…). \"kept raw\" must be 0, and is checked by tests.")

	if err := printKPITable(ctx, g, a, 12); err != nil {
		return fmt.Errorf("reading KPI table: %w", err)
	}
	printQueries(g, a, sim.mainTable)
	return nil
}

// kpiCell is one metric's numbers for one rep and day.
type kpiCell struct {
	n     int64
	value map[string]decimal.Decimal // per currency, exact
}

// printKPITable prints the latest rep-days of kpi_daily, one column per
// metric: counts for count KPIs, amounts per currency for sums. Only the
// rows of those rep-days are read (see LatestKPIRows).
func printKPITable(ctx context.Context, g *globals, a *app, limit int) error {
	rows, err := a.wh.LatestKPIRows(ctx, "demo", limit)
	if err != nil {
		return err
	}
	sums := map[string]bool{}
	for _, k := range a.cat.KPIs() {
		sums[k.Name] = k.Measure == "sum"
	}
	type repDay struct{ rep, day string }
	var order []repDay
	cells := map[repDay]map[string]*kpiCell{}
	metricSet := map[string]bool{}
	for _, r := range rows {
		// Sources without owners (Marketo) roll up by dimension only.
		who := r.Rep
		if who == "" {
			who = "(no rep) " + r.Dimension
		}
		k := repDay{who, r.Day}
		if cells[k] == nil {
			if len(order) == limit {
				continue
			}
			order = append(order, k)
			cells[k] = map[string]*kpiCell{}
		}
		c := cells[k][r.Metric]
		if c == nil {
			c = &kpiCell{value: map[string]decimal.Decimal{}}
			cells[k][r.Metric] = c
		}
		c.n += r.N
		c.value[r.Currency] = c.value[r.Currency].Add(r.Value)
		metricSet[r.Metric] = true
	}
	metrics := make([]string, 0, len(metricSet))
	for m := range metricSet {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	fmt.Fprintf(g.stdout, "\nKPIs per rep pseudonym and day (latest %d rep-days):\n", len(order))
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "rep pseudonym\tday\t%s\n", strings.Join(metrics, "\t"))
	for _, k := range order {
		line := []string{k.rep, k.day}
		for _, m := range metrics {
			c := cells[k][m]
			switch {
			case c == nil:
				line = append(line, "-")
			case sums[m]:
				line = append(line, money(c.value))
			default:
				line = append(line, fmt.Sprint(c.n))
			}
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	return tw.Flush()
}

func printQueries(g *globals, a *app, mainTable string) {
	out := g.stdout
	queries := []string{
		"SELECT metric, count(*) AS rows, sum(n) AS records, round(sum(value), 2) AS total FROM kpi_daily GROUP BY metric;",
		"SELECT rep, metric, sum(n) AS records, round(sum(value), 2) AS value FROM kpi_daily GROUP BY rep, metric ORDER BY records DESC LIMIT 5;",
		"SELECT * FROM " + mainTable + " LIMIT 3;",
	}
	if a.cfg.Warehouse.Driver == "postgres" {
		fmt.Fprintf(out, "\nWarehouse: PostgreSQL, schema %s. Try (psql \"$TALLY_PG_DSN\"):\n", demoSchema)
		fmt.Fprintf(out, "  SET search_path = %s;\n", demoSchema)
		for _, q := range queries {
			fmt.Fprintf(out, "  %s\n", q)
		}
		return
	}
	path := a.cfg.Warehouse.Path
	fmt.Fprintf(out, "\nWarehouse: %s\nTry:\n", path)
	for _, q := range queries {
		// SQLite keeps amounts as decimal text; its sum() would add floats.
		q = strings.ReplaceAll(q, "round(sum(value), 2)", "decimal_sum(value)")
		fmt.Fprintf(out, "  sqlite3 -header -column %s \"%s\"\n", path, q)
	}
}

// money formats per-currency amounts, e.g. "1200.00 EUR, 300.00 USD".
func money(m map[string]decimal.Decimal) string {
	if len(m) == 0 {
		return "-"
	}
	cur := make([]string, 0, len(m))
	for c := range m {
		cur = append(cur, c)
	}
	sort.Strings(cur)
	parts := make([]string, len(cur))
	for i, c := range cur {
		parts[i] = strings.TrimSpace(m[c].Round(2) + " " + c)
	}
	return strings.Join(parts, ", ")
}

// peakRSS reads the process's peak resident set size (Linux only).
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return ", peak RSS " + strings.TrimSpace(v)
		}
	}
	return ""
}
