package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
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

	rows, err := a.wh.KPITable(ctx, "demo", 12)
	if err != nil {
		return fmt.Errorf("reading KPI table: %w", err)
	}
	fmt.Fprintln(out, "\nKPIs per rep pseudonym and day (latest 12 rows):")
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rep pseudonym\tday\tdeals won\trevenue won\tpipeline created")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", r.Rep, r.Day.Format("2006-01-02"), r.DealsWon,
			money(r.RevenueWon), money(r.PipelineCreated))
	}
	tw.Flush()
	printQueries(g, a)
	return nil
}

func printQueries(g *globals, a *app) {
	out := g.stdout
	queries := []string{
		"SELECT metric, count(*) AS rows, sum(n) AS records, round(sum(value), 2) AS total FROM kpi_daily GROUP BY metric;",
		"SELECT rep, currency, round(sum(value), 2) AS revenue FROM kpi_daily WHERE metric = 'revenue_won' GROUP BY rep, currency ORDER BY revenue DESC LIMIT 5;",
		"SELECT owner_id, count(*) AS deals, sum(CASE WHEN is_won THEN 1 ELSE 0 END) AS won FROM deal_facts GROUP BY owner_id ORDER BY won DESC LIMIT 5;",
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
		fmt.Fprintf(out, "  sqlite3 -header -column %s \"%s\"\n", path, q)
	}
}

// money formats per-currency amounts, e.g. "1200.00 EUR, 300.00 USD".
func money(m map[string]float64) string {
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
		parts[i] = strings.TrimSpace(fmt.Sprintf("%.2f %s", m[c], c))
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
