package warehouse

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/transforms/kpi"
)

// factKey addresses one fact.
type factKey struct{ object, tenant, key string }

// factState follows one fact through a batch: stored is the row as
// loaded (nil if none), cur the state after the records applied so far
// (nil if absent), floor the newest delete version seen in the batch.
type factState struct {
	stored, cur *pipeline.Record
	floor       time.Time
	// expires is the stored row's expires_at, part of the row's primary
	// key on PostgreSQL.
	expires any
	// leaf and ctid address the stored row on PostgreSQL: its partition
	// and its row id, valid until the transaction that locked it ends.
	leaf, ctid string
}

// Write commits the batch in one transaction, all or nothing.
//
// It loads the stored facts of the batch's keys (locking them on
// PostgreSQL), applies the records in batch order — an upsert replaces
// the fact only if its Version is newer than the stored or previous
// in-batch version, a delete removes the fact if the stored version is
// not newer, so replays are no-ops — and then writes the changed facts
// with multi-row statements (on PostgreSQL new facts by COPY), the
// merged KPI deltas in key order (rollup rows whose count reaches zero
// are removed; deltas of rollups past their expiry are dropped, see
// writeDeltas), the quarantine rows, the
// consumer offsets (never moving backwards) and the last checkpoint per
// stream and partition (never a lower Seq).
//
// Concurrent Writes must carry different keys, which holds for batches
// of different partitions because a record's key decides its partition.
// On SQLite they run one after the other. A record of an object without
// a fact table, without a key or version, or with a value that does not
// fit its column fails the whole batch; the error names the field only.
func (w *Warehouse) Write(ctx context.Context, b pipeline.Batch) error {
	recs, err := w.canonicalize(b.Records)
	if err != nil {
		return fmt.Errorf("writing batch: %w", err)
	}
	now := w.now().UTC()
	if err := w.ensureBatchPartitions(ctx, recs, now); err != nil {
		return fmt.Errorf("writing batch: %w", err)
	}
	tx, err := w.begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning batch: %w", err)
	}
	defer tx.rollback()
	states, err := w.loadFacts(ctx, tx, recs)
	if err != nil {
		return err
	}
	deltas := w.apply(recs, states)
	steps := []struct {
		name string
		run  func() error
	}{
		{"facts", func() error { return w.writeFacts(ctx, tx, states, now) }},
		{"kpi", func() error { return w.writeDeltas(ctx, tx, deltas, now) }},
		// Identity vault rows (issue 5, vault.go) commit with their facts.
		{"vault", func() error { return w.writeVault(ctx, tx, b.Records, recs, states, now) }},
		{"quarantine", func() error { return w.writeQuarantine(ctx, tx, b.Quarantine, now) }},
		{"offsets", func() error { return w.writeOffsets(ctx, tx, b.Offsets, now) }},
		{"checkpoints", func() error { return w.writeCheckpoints(ctx, tx, b.Checkpoints, now) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return err
		}
		if w.failAt != nil {
			if err := w.failAt(s.name); err != nil {
				return err
			}
		}
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("committing batch: %w", err)
	}
	w.analyze(tx.inserted)
	return nil
}

// canonicalize checks the records and converts them to their stored form.
func (w *Warehouse) canonicalize(in []pipeline.Record) ([]*pipeline.Record, error) {
	out := make([]*pipeline.Record, len(in))
	all := make([]pipeline.Record, len(in)) // one allocation for the batch
	for i := range in {
		r := &in[i]
		t, ok := w.tables[r.Object]
		switch {
		case !ok:
			return nil, fmt.Errorf("record %d: %w %q", i, errUnknownObject, r.Object)
		case r.Tenant == "" || r.Key == "":
			return nil, fmt.Errorf("record %d of %s: tenant and key are required", i, r.Object)
		case r.Op != pipeline.OpUpsert && r.Op != pipeline.OpDelete:
			return nil, fmt.Errorf("record %d of %s: op %q", i, r.Object, r.Op)
		case r.Version.IsZero():
			return nil, fmt.Errorf("record %d of %s: version is required", i, r.Object)
		}
		if err := t.canonical(&all[i], r); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		out[i] = &all[i]
	}
	return out, nil
}

// apply runs the records over the loaded states in batch order and
// returns the merged KPI deltas.
func (w *Warehouse) apply(recs []*pipeline.Record, states map[factKey]*factState) map[kpi.Key]kpi.Delta {
	deltas := make(map[kpi.Key]kpi.Delta, len(recs))
	var diff []kpi.Delta // reused for every record
	for _, r := range recs {
		st := states[factKey{r.Object, r.Tenant, r.Key}]
		switch r.Op {
		case pipeline.OpUpsert:
			if !r.Version.After(st.floor) || (st.cur != nil && !r.Version.After(st.cur.Version)) {
				continue
			}
			diff = w.calc.AppendDiff(diff[:0], st.cur, r)
			kpi.Merge(deltas, diff, 1)
			st.cur = r
		case pipeline.OpDelete:
			if r.Version.After(st.floor) {
				st.floor = r.Version
			}
			if st.cur == nil || st.cur.Version.After(r.Version) {
				continue
			}
			diff = w.calc.AppendDiff(diff[:0], st.cur, nil)
			kpi.Merge(deltas, diff, 1)
			st.cur = nil
		}
	}
	return deltas
}

// loadFacts reads the stored facts of the records' keys, one query per
// object table and tenant (in chunks of at most 10000 keys).
func (w *Warehouse) loadFacts(ctx context.Context, tx *txn, recs []*pipeline.Record) (map[factKey]*factState, error) {
	states := make(map[factKey]*factState, len(recs))
	groups := map[string]map[string][]string{} // object → tenant → keys
	for _, r := range recs {
		k := factKey{r.Object, r.Tenant, r.Key}
		if states[k] != nil {
			continue
		}
		states[k] = &factState{}
		if groups[r.Object] == nil {
			groups[r.Object] = map[string][]string{}
		}
		groups[r.Object][r.Tenant] = append(groups[r.Object][r.Tenant], r.Key)
	}
	for _, object := range sortedKeys(groups) {
		t := w.tables[object]
		for _, tenant := range sortedKeys(groups[object]) {
			keys := groups[object][tenant]
			sort.Strings(keys)
			for start := 0; start < len(keys); start += 10000 {
				chunk := keys[start:min(start+10000, len(keys))]
				if err := w.loadChunk(ctx, tx, t, tenant, chunk, states); err != nil {
					return nil, fmt.Errorf("loading %s facts: %w", object, err)
				}
			}
		}
	}
	return states, nil
}

func (w *Warehouse) loadChunk(ctx context.Context, tx *txn, t *factTable, tenant string, keys []string, states map[factKey]*factState) error {
	pred, args := w.d.in("key", keys)
	q := "SELECT source, key, version, expires_at"
	for _, c := range t.cols {
		q += ", " + c.name
	}
	pg := w.d.name == Postgres
	if pg {
		q += ", tableoid::regclass::text, ctid::text"
	}
	q += " FROM " + t.name + " WHERE tenant = ? AND " + pred + " ORDER BY key" + w.d.forUpdate
	rows, err := tx.query(ctx, q, append([]any{tenant}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.SliceScan()
		if err != nil {
			return redact(err)
		}
		var leaf, ctid string
		if pg {
			n := len(vals)
			if leaf, ctid, err = rowAddress(vals[n-2], vals[n-1]); err != nil {
				return err
			}
			vals = vals[:n-2]
		}
		expires := vals[3]
		r, err := t.decode(tenant, append(vals[:3:3], vals[4:]...))
		if err != nil {
			return err
		}
		st := states[factKey{t.object, tenant, r.Key}]
		st.stored, st.cur, st.expires = r, r, expires
		st.leaf, st.ctid = leaf, ctid
	}
	return redact(rows.Err())
}

// rowAddress reads a row's partition (tableoid::regclass::text) and row
// id (ctid::text).
func rowAddress(leaf, ctid any) (string, string, error) {
	l, err := fromDB(kindText, leaf)
	if err != nil {
		return "", "", fmt.Errorf("column tableoid: %w", err)
	}
	c, err := fromDB(kindText, ctid)
	if err != nil {
		return "", "", fmt.Errorf("column ctid: %w", err)
	}
	ls, _ := l.(string)
	cs, _ := c.(string)
	if ls == "" || cs == "" {
		return "", "", fmt.Errorf("stored fact without a partition or row id")
	}
	return ls, cs, nil
}

// decode builds a stored fact from a row of source, key, version and the
// field columns.
func (t *factTable) decode(tenant string, vals []any) (*pipeline.Record, error) {
	r := &pipeline.Record{Tenant: tenant, Object: t.object, Op: pipeline.OpUpsert, Fields: map[string]any{}}
	src, err := fromDB(kindText, vals[0])
	if err != nil {
		return nil, fmt.Errorf("column source: %w", err)
	}
	key, err := fromDB(kindText, vals[1])
	if err != nil {
		return nil, fmt.Errorf("column key: %w", err)
	}
	version, err := fromDB(kindTime, vals[2])
	if err != nil {
		return nil, fmt.Errorf("column version: %w", err)
	}
	r.Source, r.Key, r.Version = src.(string), key.(string), version.(time.Time)
	for i, c := range t.cols {
		v, err := fromDB(c.kind, vals[3+i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.name, err)
		}
		if v != nil {
			r.Fields[c.field] = v
		}
	}
	return r, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ensureBatchPartitions creates, on PostgreSQL, the partitions that the
// batch's fact and rollup rows will land in, before its transaction
// starts (a CREATE TABLE ... PARTITION OF locks the parent table).
func (w *Warehouse) ensureBatchPartitions(ctx context.Context, recs []*pipeline.Record, now time.Time) error {
	if w.d.name != Postgres {
		return nil
	}
	type target struct {
		table string
		start time.Time
	}
	seen := map[target]bool{}
	ensure := func(t target) error {
		if seen[t] {
			return nil
		}
		seen[t] = true
		return w.ensureForWrite(ctx, t.table, t.start)
	}
	// A fact's partition depends only on its table and tenant (now plus
	// the tenant's fact TTL): look it up once per run of equal pairs.
	var last *pipeline.Record
	for _, r := range recs {
		if last != nil && r.Object == last.Object && r.Tenant == last.Tenant {
			continue
		}
		last = r
		if err := ensure(target{w.tables[r.Object].name, partitionStart(now.Add(w.policy.TTL(ClassFacts, r.Tenant)))}); err != nil {
			return err
		}
	}
	for start := range w.rollupPartitions(recs, now) {
		if err := ensure(target{"kpi_daily", start}); err != nil {
			return err
		}
	}
	return nil
}
