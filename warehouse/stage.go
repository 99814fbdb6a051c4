package warehouse

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/lib/pq"
)

// legacyWrites, set only by benchmarks, makes Write on PostgreSQL send
// facts and rollup deltas as unnested text arrays (unnest.go), as it did
// before COPY staging, so that both paths can be measured in one run.
var legacyWrites atomic.Bool

// writeDeltasStaged adds rows (values of kpiKeyCols, value, n,
// written_at, expires_at, in key order) to kpi_daily on PostgreSQL: it
// COPYs them into the session's staging table, adds them with one INSERT
// ... SELECT ... ON CONFLICT in key order (the order concurrent writers
// lock rollup rows in), and deletes the rows a negative delta brought to
// a zero count, naming their days (shrunkDays) so that only those
// partitions are scanned.
func (w *Warehouse) writeDeltasStaged(ctx context.Context, tx *txn, rows [][]any, shrunkDays []string) error {
	stage, err := tx.stageTable(ctx, "kpi_daily")
	if err != nil {
		return err
	}
	cols := append(append([]string{}, kpiKeyCols...), "value", "n", "written_at", "expires_at")
	if err := tx.copyIn(ctx, stage, cols, rows); err != nil {
		return fmt.Errorf("staging kpi rollups: %w", err)
	}
	list := strings.Join(cols, ", ")
	q := "INSERT INTO kpi_daily (" + list + ") SELECT " + list + " FROM " + stage +
		" ORDER BY " + strings.Join(kpiKeyCols, ", ") + w.rollupUpsert()
	if _, err := tx.exec(ctx, q); err != nil {
		return fmt.Errorf("writing kpi rollups: %w", err)
	}
	if len(shrunkDays) == 0 {
		return nil
	}
	match := make([]string, len(kpiKeyCols))
	for i, c := range kpiKeyCols {
		match[i] = "k." + c + " = s." + c
	}
	del := "DELETE FROM kpi_daily AS k USING " + stage + " AS s WHERE s.n < 0 AND s.day = ANY(?::date[]) AND " +
		strings.Join(match, " AND ") + " AND k.day = ANY(?::date[]) AND k.n <= 0"
	days := pq.Array(shrunkDays)
	if _, err := tx.exec(ctx, del, days, days); err != nil {
		return fmt.Errorf("removing empty kpi rollups: %w", err)
	}
	return nil
}
