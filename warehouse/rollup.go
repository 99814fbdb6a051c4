package warehouse

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/transforms/kpi"
)

// rollupExpiry returns when the rollup of key expires: the KPI TTL of its
// tenant after the end of the UTC day it describes. It depends on the
// key and the policy only, never on when the rollup was written, so every
// writer of a key computes the same expiry and a rollup of a day is kept
// for as long after that day whenever its facts arrive.
func (w *Warehouse) rollupExpiry(k kpi.Key) time.Time {
	return kpi.Day(k.Day).Add(24*time.Hour + w.policy.TTL(ClassKPIs, k.Tenant))
}

// kpiKeyCols are the key columns of kpi_daily, in key order.
var kpiKeyCols = []string{"tenant", "metric", "day", "rep", "dimension", "currency"}

// rollupUpsert is the ON CONFLICT clause adding a delta to its rollup
// row; both dialects key kpi_daily by kpiKeyCols alone. expires_at is
// re-stamped by the policy in force. The value is added exactly: numeric
// + numeric on PostgreSQL, decimal_add over decimal text on SQLite.
func (w *Warehouse) rollupUpsert() string {
	add := "kpi_daily.value + excluded.value"
	if w.d.name == SQLite {
		add = sqliteDecimalAdd + "(kpi_daily.value, excluded.value)"
	}
	return " ON CONFLICT (" + strings.Join(kpiKeyCols, ", ") + ") DO UPDATE SET" +
		" value = " + add + ", n = kpi_daily.n + excluded.n," +
		" written_at = excluded.written_at, expires_at = excluded.expires_at"
}

// writeDeltas adds the merged deltas to kpi_daily in key order, so
// concurrent writers lock rollup rows in the same order, then removes the
// rows whose count a negative delta brought to zero.
//
// A delta whose rollup has expired (rollupExpiry not after now: a fact
// of a day older than the KPI TTL) costs nothing: it is neither added nor
// used to delete the row, which purge removes with its partition (purge
// owns expiry). kpi_daily equals the GROUP BY over the facts on every
// rollup whose expiry is ahead, and holds every such rollup; a rollup
// past its expiry may be stale until purge removes it. Skipped deltas are
// logged with their count (never their values).
//
// On PostgreSQL the deltas are staged with COPY and applied with one
// INSERT ... SELECT ... ON CONFLICT (writeDeltasStaged); every statement
// names the days it touches, so only their partitions are planned.
func (w *Warehouse) writeDeltas(ctx context.Context, tx *txn, m map[kpi.Key]kpi.Delta, now time.Time) error {
	deltas := kpi.Sorted(m)
	if len(deltas) == 0 {
		return nil
	}
	live := deltas[:0]
	stats := statsCounter{w: w, tx: tx, table: "kpi_daily"}
	for _, d := range deltas {
		if !w.rollupExpiry(d.Key).After(now) {
			w.notePastRetention(ctx, d.Tenant)
			continue
		}
		live = append(live, d)
		stats.add(d.Day)
	}
	if n := len(deltas) - len(live); n > 0 {
		w.log.DebugContext(ctx, "kpi deltas past retention not written", "component", "warehouse", "count", n)
	}
	if len(live) == 0 {
		return nil
	}
	days := map[string]bool{}
	for _, d := range live {
		if d.N < 0 {
			days[d.Day.Format(time.DateOnly)] = true
		}
	}
	if w.d.name == Postgres && !legacyWrites.Load() {
		return w.writeDeltasStaged(ctx, tx, live, now, sortedKeys(days))
	}
	written := w.d.timeArg(now)
	rows := make([][]any, 0, len(live))
	var shrunk [][]any
	for _, d := range live {
		key := []any{d.Tenant, d.Metric, d.Day.Format(time.DateOnly), d.Rep, d.Dimension, d.Currency}
		rows = append(rows, append(key, d.Value, d.N, written, w.d.timeArg(w.rollupExpiry(d.Key))))
		if d.N < 0 {
			shrunk = append(shrunk, key)
		}
	}
	cols := append(append([]string{}, kpiKeyCols...), "value", "n", "written_at", "expires_at")
	if err := tx.insertRowsUncounted(ctx, "kpi_daily", cols, rows, w.rollupUpsert()); err != nil {
		return fmt.Errorf("writing kpi rollups: %w", err)
	}
	if err := w.deleteRollups(ctx, tx, "kpi_daily.n <= 0", shrunk, sortedKeys(days)); err != nil {
		return fmt.Errorf("removing empty kpi rollups: %w", err)
	}
	return nil
}

// deleteRollups deletes the kpi_daily rows of keys (values of
// kpiKeyCols) that also match cond ("" for none; columns qualified with
// kpi_daily.), in statements within the dialect's parameter limit. On
// PostgreSQL the statement names days, the days of the keys, so that it
// plans and scans only their partitions.
func (w *Warehouse) deleteRollups(ctx context.Context, tx *txn, cond string, keys [][]any, days []string) error {
	return w.eachRollupChunk(ctx, tx, keys, func(using, pred string, args []any) error {
		q := "DELETE FROM kpi_daily" + using + " WHERE " + pred
		if cond != "" {
			q += " AND " + cond
		}
		if using != "" {
			q += " AND kpi_daily.day = ANY(?::date[])"
			args = append(args, pq.Array(days))
		}
		_, err := tx.exec(ctx, q, args...)
		return err
	})
}

// pastRetention remembers the tenants for which a delta past retention
// was already reported at info level, so a backfill of old history logs
// once per tenant, not once per batch.
type pastRetention struct{ seen sync.Map }

func (w *Warehouse) notePastRetention(ctx context.Context, tenant string) {
	if _, loaded := w.pastRetention.seen.LoadOrStore(tenant, true); loaded {
		return
	}
	w.log.InfoContext(ctx, "facts of days older than the KPI TTL are stored without kpi_daily rollups (past retention)",
		"component", "warehouse", "tenant", tenant)
}

// rollupDaysAhead bounds the future days whose kpi_daily partitions a
// write creates: a rollup of a later day (a mistyped close date) goes to
// the default partition instead of adding a partition that would never
// be dropped.
const rollupDaysAhead = 366 * 24 * time.Hour

// rollupPartitions returns the starts of the kpi_daily partitions that
// the records' contributions will be written to: one per week of days
// whose rollups have not expired at now, up to rollupDaysAhead.
func (w *Warehouse) rollupPartitions(recs []*pipeline.Record, now time.Time) map[time.Time]bool {
	out := map[time.Time]bool{}
	for _, r := range recs {
		if r.Op != pipeline.OpUpsert {
			continue
		}
		for _, c := range w.calc.Contributions(r) {
			if w.rollupExpiry(c.Key).After(now) && !c.Day.After(now.Add(rollupDaysAhead)) {
				out[partitionStart(c.Day)] = true
			}
		}
	}
	return out
}
