package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/tally-dev/tally/pipeline"
)

// storedFact is a fact row as the rekey reads it.
type storedFact struct {
	rec     *pipeline.Record
	expires any // part of the primary key on PostgreSQL
}

// facts rewrites the pseudonym columns of one fact table, walking it in
// key order: keyset pages of BatchSize rows, an index scan whatever the
// collation (a filter on the version prefix would make the planner scan
// and sort the whole table for every page). A page reads the pseudonym
// columns only; its batch locks and rewrites the rows holding an
// old-version pseudonym and moves their KPI contributions to the new rep
// in the same transaction. A resumed pass walks from the start and skips
// rows already rewritten.
func (rk *rekeyer) facts(ctx context.Context, t *factTable) (int64, error) {
	page := "SELECT " + strings.Join(t.pseudonyms, ", ") + " FROM " + t.name + " WHERE tenant = ? AND key > ? ORDER BY key LIMIT " +
		strconv.Itoa(rk.o.BatchSize)
	last := ""
	return rk.batches(ctx, t.name, func(ctx context.Context, tx *txn) (int, bool, error) {
		res, err := tx.query(ctx, page, rk.tenant, last)
		if err != nil {
			return 0, false, err
		}
		var todo []string
		rows := 0
		for res.Next() {
			vals := make([]sql.NullString, len(t.pseudonyms))
			dest := make([]any, len(vals))
			for i := range vals {
				dest[i] = &vals[i]
			}
			if err := res.Scan(dest...); err != nil {
				res.Close()
				return 0, false, redact(err)
			}
			rows, last = rows+1, vals[0].String
			for _, v := range vals {
				if _, ok := rk.rewrite(v.String); ok {
					todo = append(todo, last)
					break
				}
			}
		}
		res.Close()
		if err := redact(res.Err()); err != nil || rows == 0 {
			return 0, true, err
		}
		n, err := rk.rewriteFacts(ctx, tx, t, todo)
		return n, rows < rk.o.BatchSize, err
	})
}

// rewriteFacts locks the facts of keys, rewrites those that (still) hold
// an old-version pseudonym and returns how many it rewrote or merged.
func (rk *rekeyer) rewriteFacts(ctx context.Context, tx *txn, t *factTable, keys []string) (int, error) {
	w := rk.s.w
	type change struct {
		old storedFact
		new *pipeline.Record
	}
	if len(keys) == 0 {
		return 0, nil
	}
	lp, largs := w.d.in("key", keys)
	facts, err := rk.loadFacts(ctx, tx, t, "SELECT source, key, version, expires_at"+colList(t)+" FROM "+t.name+
		" WHERE tenant = ? AND "+lp+" ORDER BY key"+w.d.forUpdate, append([]any{rk.tenant}, largs...)...)
	if err != nil {
		return 0, err
	}
	var todo []change
	var newKeys []string
	for _, f := range facts {
		if nf, ok := rk.rewriteFact(t, f.rec); ok {
			todo = append(todo, change{f, nf})
			newKeys = append(newKeys, nf.Key)
		}
	}
	// New-version rows can exist only if writers ran after an
	// interruption: a fresh rekey created the version under the
	// exclusive writer lock.
	targets := map[string]*pipeline.Record{}
	if rk.res.Resumed {
		pred, args := w.d.in("key", newKeys)
		existing, err := rk.loadFacts(ctx, tx, t, "SELECT source, key, version, expires_at"+colList(t)+" FROM "+t.name+
			" WHERE tenant = ? AND "+pred+w.d.forUpdate, append([]any{rk.tenant}, args...)...)
		if err != nil {
			return 0, err
		}
		for _, e := range existing {
			targets[e.rec.Key] = e.rec
		}
	}
	var dels []string
	var moves []rollupMove
	var updates [][]any
	for _, c := range todo {
		if tgt := targets[c.new.Key]; tgt != nil {
			// Only after an interrupted rekey that writers resumed
			// around: the newer fact wins, as in Write.
			rk.res.Merged++
			if !c.old.rec.Version.After(tgt.Version) {
				dels = append(dels, c.old.rec.Key)
				moves = append(moves, rk.contributions(c.old.rec, false)...)
				continue
			}
			dels = append(dels, tgt.Key)
			moves = append(moves, rk.contributions(tgt, false)...)
		}
		moves = append(moves, rk.contributions(c.old.rec, true)...)
		row := []any{}
		if w.d.name == Postgres {
			row = append(row, c.old.expires)
		}
		row = append(row, rk.tenant, c.old.rec.Key, c.new.Key)
		for _, col := range t.pseudonyms[1:] {
			row = append(row, c.new.Fields[col])
		}
		updates = append(updates, row)
	}
	if len(dels) > 0 {
		dp, dargs := w.d.in("key", dels)
		if _, err := tx.exec(ctx, "DELETE FROM "+t.name+" WHERE tenant = ? AND "+dp, append([]any{rk.tenant}, dargs...)...); err != nil {
			return 0, err
		}
	}
	if err := rk.updateFacts(ctx, tx, t, updates); err != nil {
		return 0, err
	}
	if err := w.moveRollups(ctx, tx, moves); err != nil {
		return 0, err
	}
	return len(todo), nil
}

// rewriteFact returns a copy of f with every old-version pseudonym
// (key and person references) rewritten, and whether there was one.
func (rk *rekeyer) rewriteFact(t *factTable, f *pipeline.Record) (*pipeline.Record, bool) {
	nf := *f
	nf.Fields = maps.Clone(f.Fields)
	key, changed := rk.rewrite(f.Key)
	nf.Key = key
	for _, col := range t.pseudonyms[1:] {
		if v, ok := f.Fields[col].(string); ok {
			nv, ok := rk.rewrite(v)
			nf.Fields[col] = nv
			changed = changed || ok
		}
	}
	return &nf, changed
}

// contributions returns the rollup moves of a fact's KPI contributions:
// to its rewritten rep when keep is set (contributions whose rep does
// not change stay where they are), out of the rollups otherwise.
func (rk *rekeyer) contributions(f *pipeline.Record, keep bool) []rollupMove {
	var out []rollupMove
	for _, c := range rk.s.w.calc.Contributions(f) {
		m := rollupMove{From: c.Key, Value: c.Value, N: c.N}
		if keep {
			to, ok := rk.rewrite(c.Rep)
			if !ok {
				continue
			}
			m.To = to
		}
		out = append(out, m)
	}
	return out
}

// updateFacts sets the pseudonym columns of rows (expires_at on
// PostgreSQL, tenant, old key, then the new values of t.pseudonyms): one
// statement on PostgreSQL, one per row on SQLite.
func (rk *rekeyer) updateFacts(ctx context.Context, tx *txn, t *factTable, rows [][]any) error {
	if rk.s.w.d.name == Postgres {
		return tx.updateRows(ctx, t.name, []string{"expires_at", "tenant", "key"}, t.pseudonyms, rows)
	}
	set := ""
	for i, c := range t.pseudonyms {
		if i > 0 {
			set += ", "
		}
		set += c + " = ?"
	}
	q := "UPDATE " + t.name + " SET " + set + " WHERE tenant = ? AND key = ?"
	for _, r := range rows {
		args := append(append([]any{}, r[2:]...), r[0], r[1]) // new values, then tenant and old key
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("rekeying %s: %w", t.name, err)
		}
	}
	return nil
}

func colList(t *factTable) string {
	out := ""
	for _, c := range t.cols {
		out += ", " + c.name
	}
	return out
}

// loadFacts runs a query selecting source, key, version, expires_at and
// the field columns of t, and decodes the rows.
func (rk *rekeyer) loadFacts(ctx context.Context, tx *txn, t *factTable, q string, args ...any) ([]storedFact, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedFact
	for rows.Next() {
		vals, err := rows.SliceScan()
		if err != nil {
			return nil, redact(err)
		}
		expires := vals[3]
		r, err := t.decode(rk.tenant, append(vals[:3:3], vals[4:]...))
		if err != nil {
			return nil, err
		}
		out = append(out, storedFact{r, expires})
	}
	return out, redact(rows.Err())
}
