package warehouse

import (
	"context"
	"fmt"
)

// LatestKPIRows returns the tenant's rollups of its latest repDays
// rep-days, in the order of KPIRows. A rep-day is a (rep, day) pair, or
// (dimension, day) for rollups without a rep (sources without owners).
// The database picks the rep-days and sums their rows, so the reader
// holds only what it prints, however large kpi_daily is.
func (w *Warehouse) LatestKPIRows(ctx context.Context, tenant string, repDays int) ([]KPIRow, error) {
	if repDays <= 0 {
		return nil, nil
	}
	sum := "sum(k.value)" // numeric: exact
	if w.d.name == SQLite {
		sum = sqliteDecimalSum + "(k.value)"
	}
	// MATERIALIZED: SQLite would otherwise run the ranking again for
	// every row it joins (quadratic: minutes for a 10,000-deal demo).
	// The bound on k.day lets PostgreSQL skip the older day partitions.
	q := w.db.Rebind(`WITH latest AS MATERIALIZED (
		SELECT DISTINCT rep, CASE WHEN rep = '' THEN dimension ELSE '' END AS dim, day
		FROM kpi_daily WHERE tenant = ?
		ORDER BY day DESC, rep, dim LIMIT ?)
		SELECT k.rep, k.dimension, substr(CAST(k.day AS TEXT), 1, 10) AS day, k.metric, k.currency,
		` + sum + ` AS value, CAST(sum(k.n) AS BIGINT) AS n
		FROM kpi_daily k JOIN latest l ON k.rep = l.rep AND k.day = l.day AND (k.rep <> '' OR k.dimension = l.dim)
		WHERE k.tenant = ? AND k.day >= (SELECT min(day) FROM latest)
		GROUP BY k.rep, k.dimension, k.day, k.metric, k.currency
		ORDER BY k.day DESC, k.rep, k.dimension, k.metric, k.currency`)
	var rows []KPIRow
	if err := w.db.SelectContext(ctx, &rows, q, tenant, repDays, tenant); err != nil {
		return nil, fmt.Errorf("reading latest kpi rollups: %w", redact(err))
	}
	return rows, nil
}
