package warehouse

import (
	"context"
	"fmt"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// KPIRow is one rollup of kpi_daily summed over the rows that share
// its rep, dimension, day, metric and currency.
type KPIRow struct {
	Rep       string          `db:"rep"`
	Dimension string          `db:"dimension"`
	Day       string          `db:"day"` // YYYY-MM-DD
	Metric    string          `db:"metric"`
	Currency  string          `db:"currency"`
	Value     decimal.Decimal `db:"value"` // exact sum
	N         int64           `db:"n"`
}

// KPIRows returns the tenant's rollups, newest day first, then by rep
// and dimension: what the CLI and demo print as the KPI table.
func (w *Warehouse) KPIRows(ctx context.Context, tenant string) ([]KPIRow, error) {
	var rows []KPIRow
	sum := "sum(value)" // numeric: exact
	if w.d.name == SQLite {
		sum = sqliteDecimalSum + "(value)"
	}
	q := w.db.Rebind(`SELECT rep, dimension, substr(CAST(day AS TEXT), 1, 10) AS day, metric, currency,
		` + sum + ` AS value, CAST(sum(n) AS BIGINT) AS n
		FROM kpi_daily WHERE tenant = ? GROUP BY rep, dimension, day, metric, currency
		ORDER BY day DESC, rep, dimension, metric, currency`)
	if err := w.db.SelectContext(ctx, &rows, q, tenant); err != nil {
		return nil, fmt.Errorf("reading kpi rollups: %w", redact(err))
	}
	return rows, nil
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
