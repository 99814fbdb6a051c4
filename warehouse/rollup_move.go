package warehouse

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/pipeline/decimal"

	"github.com/tally-dev/tally/transforms/kpi"
)

// rollupMove takes Value and N out of the rollup row From and, unless To
// is "", adds them to the same row under rep To.
type rollupMove struct {
	From  kpi.Key
	To    string
	Value decimal.Decimal
	N     int64
}

// rollupRow is one kpi_daily row as moveRollups reads and writes it.
type rollupRow struct {
	value            decimal.Decimal
	n                int64
	written, expires time.Time
	stored           bool
}

// moveRollups applies moves inside tx. Unlike writeDeltas it keeps the
// rows' written_at and expires_at: contributions moved to a new row take
// the times of the row they left, and a row that receives them keeps the
// later of both, so a rekey never extends how long a rollup lives. It
// reads every row concerned (locking it), merges rows that meet under
// the same key, deletes them and inserts the results; rows whose count
// reaches zero are not written back. The rows it reads are locked (FOR
// UPDATE); a concurrent writeDeltas that inserts a key moveRollups
// inserts too makes the batch fail on the primary key; the rekey stops
// with that error and running it again resumes.
func (w *Warehouse) moveRollups(ctx context.Context, tx *txn, moves []rollupMove) error {
	if len(moves) == 0 {
		return nil
	}
	var keys []kpi.Key
	seen := map[kpi.Key]bool{}
	add := func(k kpi.Key) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, m := range moves {
		add(m.From)
		if m.To != "" {
			to := m.From
			to.Rep = m.To
			add(to)
		}
	}
	rows, ids, err := w.loadRollups(ctx, tx, keys)
	if err != nil {
		return err
	}
	for _, m := range moves {
		from := rows[m.From]
		if from == nil { // inconsistent rollups: the subtraction shows it
			from = &rollupRow{}
			rows[m.From] = from
		}
		from.value = from.value.Sub(m.Value)
		from.n -= m.N
		if m.To == "" {
			continue
		}
		k := m.From
		k.Rep = m.To
		to := rows[k]
		if to == nil {
			to = &rollupRow{written: from.written, expires: from.expires}
			rows[k] = to
		}
		to.value = to.value.Add(m.Value)
		to.n += m.N
		to.written, to.expires = later(to.written, from.written), later(to.expires, from.expires)
	}
	if err := w.deleteRollupRows(ctx, tx, rows, ids); err != nil {
		return fmt.Errorf("moving kpi rollups: %w", err)
	}
	var out [][]any
	for _, k := range keys {
		r := rows[k]
		if r == nil || r.n <= 0 {
			continue
		}
		out = append(out, append(rollupKeyArgs(k), r.value, r.n, w.d.timeArg(r.written), w.d.timeArg(r.expires)))
	}
	cols := append(append([]string{}, kpiKeyCols...), "value", "n", "written_at", "expires_at")
	if err := tx.insertRowsUncounted(ctx, "kpi_daily", cols, out, ""); err != nil {
		return fmt.Errorf("moving kpi rollups: %w", err)
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// rollupKeyArgs is a key as statement arguments in kpiKeyCols order.
func rollupKeyArgs(k kpi.Key) []any {
	return []any{k.Tenant, k.Metric, k.Day.Format(time.DateOnly), k.Rep, k.Dimension, k.Currency}
}

// loadRollups reads the kpi_daily rows of keys, locked, merging rows of
// the same key. On PostgreSQL it also returns the row ids (ctid) per
// partition, which deleteRollupRows deletes by.
func (w *Warehouse) loadRollups(ctx context.Context, tx *txn, keys []kpi.Key) (map[kpi.Key]*rollupRow, map[string][]string, error) {
	args := make([][]any, len(keys))
	for i, k := range keys {
		args[i] = rollupKeyArgs(k)
	}
	out := map[kpi.Key]*rollupRow{}
	ids := map[string][]string{} // partition → ctids
	q := "SELECT kpi_daily.tenant, kpi_daily.metric, kpi_daily.day, kpi_daily.rep, kpi_daily.dimension, kpi_daily.currency, " +
		"kpi_daily.value, kpi_daily.n, kpi_daily.written_at, kpi_daily.expires_at"
	lock := ""
	if w.d.name == Postgres {
		q += ", kpi_daily.tableoid::regclass::text, kpi_daily.ctid::text"
		lock = " FOR UPDATE OF kpi_daily"
	}
	err := w.eachRollupChunk(ctx, tx, args, func(using, pred string, a []any) error {
		if using != "" {
			using = ", " + strings.TrimPrefix(using, " USING ")
		}
		res, err := tx.query(ctx, q+" FROM kpi_daily"+using+" WHERE "+pred+lock, a...)
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Next() {
			var k kpi.Key
			var day, value, written, expires any
			var n int64
			var part, ctid string
			dest := []any{&k.Tenant, &k.Metric, &day, &k.Rep, &k.Dimension, &k.Currency, &value, &n, &written, &expires}
			if w.d.name == Postgres {
				dest = append(dest, &part, &ctid)
			}
			if err := res.Scan(dest...); err != nil {
				return redact(err)
			}
			r, err := decodeRollup(value, n, written, expires)
			if err != nil {
				return err
			}
			if k.Day, err = dayOf(day); err != nil {
				return err
			}
			if part != "" {
				ids[part] = append(ids[part], ctid)
			}
			if cur := out[k]; cur != nil {
				cur.value = cur.value.Add(r.value)
				cur.n += r.n
				cur.written, cur.expires = later(cur.written, r.written), later(cur.expires, r.expires)
				continue
			}
			out[k] = r
		}
		return redact(res.Err())
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading kpi rollups: %w", err)
	}
	return out, ids, nil
}

// deleteRollupRows deletes the rows loadRollups read: on PostgreSQL by
// row id, one statement per partition; on SQLite by key.
func (w *Warehouse) deleteRollupRows(ctx context.Context, tx *txn, rows map[kpi.Key]*rollupRow, ids map[string][]string) error {
	if w.d.name == Postgres {
		for _, part := range sortedKeys(ids) {
			if _, err := tx.exec(ctx, "DELETE FROM "+part+" WHERE ctid = ANY(?::tid[])", pq.Array(ids[part])); err != nil {
				return err
			}
		}
		return nil
	}
	var stored [][]any
	for k, r := range rows {
		if r.stored {
			stored = append(stored, rollupKeyArgs(k))
		}
	}
	return w.eachRollupChunk(ctx, tx, stored, func(_, pred string, args []any) error {
		_, err := tx.exec(ctx, "DELETE FROM kpi_daily WHERE "+pred, args...)
		return err
	})
}

func dayOf(v any) (time.Time, error) {
	t, err := dbTime(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("column day: %w", err)
	}
	return kpi.Day(t), nil
}

func decodeRollup(value any, n int64, written, expires any) (*rollupRow, error) {
	r := &rollupRow{n: n, stored: true}
	v, err := fromDB(kindNumber, value)
	if err != nil {
		return nil, fmt.Errorf("column value: %w", err)
	}
	r.value = v.(decimal.Decimal)
	if r.written, err = dbTime(written); err != nil {
		return nil, fmt.Errorf("column written_at: %w", err)
	}
	if r.expires, err = dbTime(expires); err != nil {
		return nil, fmt.Errorf("column expires_at: %w", err)
	}
	return r, nil
}

// eachRollupChunk calls fn with a predicate matching the kpi_daily rows
// of keys (argument tuples in kpiKeyCols order): on PostgreSQL once, with
// " USING <unnest of the keys>" and a join predicate; on SQLite per chunk
// the dialect's parameter limit allows, with "" and OR-chained matches.
func (w *Warehouse) eachRollupChunk(ctx context.Context, tx *txn, keys [][]any, fn func(using, pred string, args []any) error) error {
	if len(keys) == 0 {
		return nil
	}
	if w.d.name == Postgres {
		types, err := tx.cols.load(ctx, tx)
		if err != nil {
			return err
		}
		sel, from, args, err := unnestSource(types["kpi_daily"], kpiKeyCols, keys)
		if err != nil {
			return err
		}
		conds := make([]string, len(kpiKeyCols))
		for i, c := range kpiKeyCols {
			conds[i] = "kpi_daily." + c + " = " + sel[i]
		}
		return fn(" USING "+from, strings.Join(conds, " AND "), args)
	}
	match := "(" + strings.Join(kpiKeyCols, " = ? AND ") + " = ?)"
	per := w.d.maxParams / len(kpiKeyCols)
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		conds := make([]string, len(chunk))
		var args []any
		for i, k := range chunk {
			conds[i] = match
			args = append(args, k...)
		}
		if err := fn("", "("+strings.Join(conds, " OR ")+")", args); err != nil {
			return err
		}
	}
	return nil
}
