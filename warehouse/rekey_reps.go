package warehouse

import (
	"context"
	"fmt"
	"sort"

	"github.com/lib/pq"
)

// byRep is the fast path of a fresh rekey of one fact table: it renames
// whole reps at a time. A batch takes reps whose facts in t add up to at
// most BatchSize, rewrites those facts (key and rep) and renames, with
// one UPDATE, the rollup rows of t's metrics under those reps. Moving a
// rep's facts and rollups together keeps kpi_daily equal to a GROUP BY
// over the facts without reading a rollup row. Reps with more facts than
// BatchSize, facts without a rep and tables whose KPIs use another rep
// column are left to the key-order pass (facts), and so is everything
// when resuming, where rows may meet and must merge.
func (rk *rekeyer) byRep(ctx context.Context, t *factTable) (int64, error) {
	col, metrics, ok := rk.repColumn(t)
	if !ok || rk.res.Resumed || rk.s.rekeyKeyOrderOnly {
		return 0, nil
	}
	groups, err := rk.repGroups(ctx, t, col)
	if err != nil || len(groups) == 0 {
		return 0, err
	}
	i := 0
	return rk.batches(ctx, t.name, func(ctx context.Context, tx *txn) (int, bool, error) {
		n, err := rk.moveReps(ctx, tx, t, col, metrics, groups[i])
		i++
		return n, i == len(groups), err
	})
}

// repColumn returns t's only person column and the enabled metrics of
// t's object, when every one of them takes its rep from that column.
func (rk *rekeyer) repColumn(t *factTable) (string, []string, bool) {
	if len(t.pseudonyms) != 2 {
		return "", nil, false
	}
	col := t.pseudonyms[1]
	var metrics []string
	for _, name := range rk.s.w.cfg.KPIs {
		k, ok := rk.s.cat.KPI(name)
		if !ok || k.Object != t.object {
			continue
		}
		if k.Rep != "" && k.Rep != col {
			return "", nil, false
		}
		metrics = append(metrics, name)
	}
	return col, metrics, true
}

// repGroups lists the old-version reps of t in groups whose facts add up
// to at most BatchSize; reps with more facts are left out.
func (rk *rekeyer) repGroups(ctx context.Context, t *factTable, col string) ([][]string, error) {
	w := rk.s.w
	rows, err := w.db.QueryContext(ctx, w.db.Rebind("SELECT "+col+", count(*) FROM "+t.name+" WHERE tenant = ? AND "+col+" IS NOT NULL GROUP BY "+col), rk.tenant)
	if err != nil {
		return nil, fmt.Errorf("counting facts per rep: %w", redact(err))
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var rep string
		var n int
		if err := rows.Scan(&rep, &n); err != nil {
			return nil, fmt.Errorf("counting facts per rep: %w", redact(err))
		}
		if _, ok := rk.rewrite(rep); ok && n <= rk.o.BatchSize {
			counts[rep] = n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting facts per rep: %w", redact(err))
	}
	reps := sortedKeys(counts)
	var out [][]string
	size := 0
	for _, rep := range reps {
		if len(out) == 0 || size+counts[rep] > rk.o.BatchSize {
			out = append(out, nil)
			size = 0
		}
		out[len(out)-1] = append(out[len(out)-1], rep)
		size += counts[rep]
	}
	return out, nil
}

// moveReps rewrites the facts of reps in t and renames their rollup rows
// of metrics, in tx, and returns the facts rewritten.
func (rk *rekeyer) moveReps(ctx context.Context, tx *txn, t *factTable, col string, metrics, reps []string) (int, error) {
	w := rk.s.w
	pred, args := w.d.in(col, reps)
	res, err := tx.query(ctx, "SELECT key, expires_at, "+col+" FROM "+t.name+" WHERE tenant = ? AND "+pred+w.d.forUpdate,
		append([]any{rk.tenant}, args...)...)
	if err != nil {
		return 0, err
	}
	var updates [][]any
	for res.Next() {
		var key, rep string
		var expires any
		if err := res.Scan(&key, &expires, &rep); err != nil {
			res.Close()
			return 0, redact(err)
		}
		newKey, _ := rk.rewrite(key)
		newRep, _ := rk.rewrite(rep)
		row := []any{}
		if w.d.name == Postgres {
			row = append(row, expires)
		}
		updates = append(updates, append(row, rk.tenant, key, newKey, newRep))
	}
	res.Close()
	if err := redact(res.Err()); err != nil {
		return 0, err
	}
	if err := rk.updateFacts(ctx, tx, t, updates); err != nil {
		return 0, err
	}
	if len(metrics) == 0 {
		return len(updates), nil
	}
	sort.Strings(reps)
	renamed := make([]string, len(reps))
	for i, r := range reps {
		renamed[i], _ = rk.rewrite(r)
	}
	if w.d.name == Postgres {
		_, err := tx.exec(ctx, "UPDATE kpi_daily AS k SET rep = m.new FROM unnest(?::text[], ?::text[]) AS m(old, new) "+
			"WHERE k.tenant = ? AND k.rep = m.old AND k.metric = ANY(?)", pq.Array(reps), pq.Array(renamed), rk.tenant, pq.Array(metrics))
		return len(updates), err
	}
	mp, margs := w.d.in("metric", metrics)
	for i := range reps {
		if _, err := tx.exec(ctx, "UPDATE kpi_daily SET rep = ? WHERE tenant = ? AND rep = ? AND "+mp,
			append([]any{renamed[i], rk.tenant, reps[i]}, margs...)...); err != nil {
			return 0, err
		}
	}
	return len(updates), nil
}
