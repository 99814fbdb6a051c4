package warehouse

import (
	"context"
	"fmt"
	"time"
)

// KPIRow is one line of the KPI table of the CLI and demo: one rep's
// numbers of one day. RevenueWon and PipelineCreated are per currency
// ("" when the deals carry none).
type KPIRow struct {
	Day             time.Time
	Rep             string
	DealsWon        int64
	RevenueWon      map[string]float64
	PipelineCreated map[string]float64
}

// KPITable returns up to limit rows of the tenant's deals_won,
// revenue_won and pipeline_created rollups per rep and day, newest day
// first, then by rep pseudonym. KPIs that are not enabled read as zero.
func (w *Warehouse) KPITable(ctx context.Context, tenant string, limit int) ([]KPIRow, error) {
	if limit <= 0 {
		return nil, nil
	}
	const metrics = "metric IN ('deals_won', 'revenue_won', 'pipeline_created')"
	q := `WITH top AS (
		SELECT day, rep FROM kpi_daily WHERE tenant = ? AND ` + metrics + `
		GROUP BY day, rep ORDER BY day DESC, rep LIMIT ?)
	SELECT k.day, k.rep, k.metric, k.currency, sum(k.value)
	FROM kpi_daily k JOIN top ON k.day = top.day AND k.rep = top.rep
	WHERE k.tenant = ? AND k.` + metrics + `
	GROUP BY k.day, k.rep, k.metric, k.currency
	ORDER BY k.day DESC, k.rep, k.metric, k.currency`
	rows, err := w.db.QueryContext(ctx, w.db.Rebind(q), tenant, limit, tenant)
	if err != nil {
		return nil, fmt.Errorf("reading kpi table: %w", redact(err))
	}
	defer rows.Close()
	var out []KPIRow
	for rows.Next() {
		var dayV, sumV any
		var rep, metric, currency string
		if err := rows.Scan(&dayV, &rep, &metric, &currency, &sumV); err != nil {
			return nil, fmt.Errorf("reading kpi table: %w", redact(err))
		}
		day, err := fromDB(kindDate, dayV)
		if err != nil {
			return nil, fmt.Errorf("reading kpi table day: %w", err)
		}
		sum, err := fromDB(kindNumber, sumV)
		if err != nil {
			return nil, fmt.Errorf("reading kpi table value: %w", err)
		}
		d := day.(time.Time)
		if n := len(out); n == 0 || !out[n-1].Day.Equal(d) || out[n-1].Rep != rep {
			out = append(out, KPIRow{Day: d, Rep: rep, RevenueWon: map[string]float64{}, PipelineCreated: map[string]float64{}})
		}
		row := &out[len(out)-1]
		switch metric {
		case "deals_won":
			row.DealsWon += int64(sum.(float64))
		case "revenue_won":
			row.RevenueWon[currency] += sum.(float64)
		case "pipeline_created":
			row.PipelineCreated[currency] += sum.(float64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading kpi table: %w", redact(err))
	}
	return out, nil
}

// Counts returns the number of rows of every table of the warehouse.
func (w *Warehouse) Counts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range w.tableNames() {
		var n int64
		if err := w.db.GetContext(ctx, &n, "SELECT count(*) FROM "+t); err != nil {
			return nil, fmt.Errorf("counting %s: %w", t, redact(err))
		}
		out[t] = n
	}
	return out, nil
}

func (w *Warehouse) tableNames() []string {
	out := []string{"consumer_offsets", "kpi_daily", "quarantine", "schema_migrations", "sync_cursors"}
	for _, name := range sortedKeys(w.tables) {
		out = append(out, w.tables[name].name)
	}
	return out
}
