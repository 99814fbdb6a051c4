package warehouse

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/pipeline"
)

// writeFacts deletes the facts a batch removed and upserts the facts it
// changed, per table, in key order, with multi-row statements. On
// PostgreSQL (but with legacyWrites) a changed or removed fact's stored
// row is first deleted by its partition and row id, which the lookup
// read under FOR UPDATE: one statement per partition touched, instead of
// an UPDATE or DELETE by key that would probe every partition of the
// table; upsertFacts then COPYs the new versions.
func (w *Warehouse) writeFacts(ctx context.Context, tx *txn, states map[factKey]*factState, now time.Time) error {
	type tableWork struct {
		upserts []*factState
		deletes map[string][]string // tenant → keys (nil when deleting by address)
		stored  map[string][]string // partition → row ids of stored rows to delete
	}
	byAddress := w.d.name == Postgres && !legacyWrites.Load()
	work := map[string]*tableWork{}
	for k, st := range states {
		if st.cur == st.stored {
			continue
		}
		tw := work[k.object]
		if tw == nil {
			tw = &tableWork{stored: map[string][]string{}}
			if !byAddress {
				tw.deletes = map[string][]string{}
			}
			work[k.object] = tw
		}
		if byAddress && st.stored != nil {
			tw.stored[st.leaf] = append(tw.stored[st.leaf], st.ctid)
		}
		if st.cur != nil {
			tw.upserts = append(tw.upserts, st)
		} else if !byAddress {
			tw.deletes[k.tenant] = append(tw.deletes[k.tenant], k.key)
		}
	}
	for _, object := range sortedKeys(work) {
		t, tw := w.tables[object], work[object]
		for _, leaf := range sortedKeys(tw.stored) {
			ids := tw.stored[leaf]
			slices.Sort(ids)
			if _, err := tx.exec(ctx, "DELETE FROM "+leaf+" WHERE ctid = ANY(?::tid[])", pq.Array(ids)); err != nil {
				return fmt.Errorf("deleting stored %s facts: %w", object, err)
			}
		}
		for _, tenant := range sortedKeys(tw.deletes) {
			keys := tw.deletes[tenant]
			sort.Strings(keys)
			pred, args := w.d.in("key", keys)
			if _, err := tx.exec(ctx, "DELETE FROM "+t.name+" WHERE tenant = ? AND "+pred, append([]any{tenant}, args...)...); err != nil {
				return fmt.Errorf("deleting %s facts: %w", object, err)
			}
		}
		if err := w.upsertFacts(ctx, tx, t, tw.upserts, now); err != nil {
			return fmt.Errorf("writing %s facts: %w", object, err)
		}
	}
	return nil
}

// upsertFacts writes the changed facts of one table in key order with
// expires_at = now + the tenant's fact TTL. SQLite upserts on the
// primary key (tenant, key). On PostgreSQL, whose partitioned fact
// tables are keyed (tenant, key, expires_at), writeFacts has deleted the
// stored rows, and it COPYs every changed fact into the parent table,
// which routes it to its expires_at partition. With legacyWrites it
// inserts the new facts from arrays and updates the stored rows it
// loaded under FOR UPDATE, matching their old expires_at (an UPDATE that
// changes expires_at moves the row to its new partition).
func (w *Warehouse) upsertFacts(ctx context.Context, tx *txn, t *factTable, sts []*factState, now time.Time) error {
	if len(sts) == 0 {
		return nil
	}
	slices.SortFunc(sts, func(x, y *factState) int {
		a, b := x.cur, y.cur
		if c := strings.Compare(a.Tenant, b.Tenant); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	cols := []string{"tenant", "key", "source"}
	for _, c := range t.cols {
		cols = append(cols, c.name)
	}
	cols = append(cols, "version", "written_at", "expires_at")
	written := w.d.timeArg(now)
	copyNew := w.d.name == Postgres && !legacyWrites.Load()
	var inserts, updates [][]any
	var fresh []*pipeline.Record // new facts to COPY (PostgreSQL)
	stats := statsCounter{w: w, tx: tx, table: t.name}
	for _, st := range sts {
		r := st.cur
		exp := now.Add(w.policy.TTL(ClassFacts, r.Tenant))
		stats.add(exp)
		if copyNew {
			fresh = append(fresh, r)
			continue
		}
		row := make([]any, 0, len(cols)+1)
		if st.stored != nil && w.d.name == Postgres {
			row = append(row, st.expires)
		}
		row = append(row, r.Tenant, r.Key, r.Source)
		for _, c := range t.cols {
			row = append(row, w.d.arg(c.kind, r.Fields[c.field]))
		}
		row = append(row, w.d.timeArg(r.Version), written, w.d.timeArg(exp))
		if st.stored != nil && w.d.name == Postgres {
			updates = append(updates, row)
		} else {
			inserts = append(inserts, row)
		}
	}
	if w.d.name == SQLite {
		set := make([]string, 0, len(cols)-2)
		for _, c := range cols[2:] {
			set = append(set, c+" = excluded."+c)
		}
		return tx.insertRowsUncounted(ctx, t.name, cols, inserts, " ON CONFLICT (tenant, key) DO UPDATE SET "+strings.Join(set, ", "))
	}
	if err := tx.insertRowsUncounted(ctx, t.name, cols, inserts, ""); err != nil {
		return err
	}
	// New facts are COPYed straight into the partitioned table, which
	// routes each row to its expires_at partition. The facts are in
	// tenant order: written_at and expires_at are encoded once per tenant.
	var tenant string
	var tail []byte // "\t" written_at "\t" expires_at of tenant
	if err := tx.copyFunc(ctx, t.name, cols, len(fresh), func(b []byte, i int) []byte {
		r := fresh[i]
		if tail == nil || r.Tenant != tenant {
			tenant = r.Tenant
			tail = appendCopyTime(append(tail[:0], '\t'), now)
			tail = appendCopyTime(append(tail, '\t'), now.Add(w.policy.TTL(ClassFacts, r.Tenant)))
		}
		b = appendCopyEscaped(b, r.Tenant)
		b = append(b, '\t')
		b = appendCopyEscaped(b, r.Key)
		b = append(b, '\t')
		b = appendCopyEscaped(b, r.Source)
		for _, c := range t.cols {
			b = append(b, '\t')
			b = appendCopyField(b, c.kind, r.Fields[c.field])
		}
		b = append(b, '\t')
		b = appendCopyTime(b, r.Version)
		return append(b, tail...)
	}); err != nil {
		return err
	}
	return tx.updateRows(ctx, t.name, []string{"expires_at", "tenant", "key"}, cols[2:], updates)
}

// statsCounter counts rows per statistics table (statsTable), naming
// each partition once per run of rows in its range rather than per row.
type statsCounter struct {
	w     *Warehouse
	tx    *txn
	table string
	last  Partition
}

func (s *statsCounter) add(v time.Time) {
	if s.w.d.name != Postgres {
		s.tx.inserted[s.table]++
		return
	}
	if s.last.Name == "" || v.Before(s.last.From) || !v.Before(s.last.To) {
		p, ok := s.w.partitionOf(s.table, v)
		if !ok {
			return // the default partition: purge empties it, nothing to plan
		}
		s.last = p
	}
	s.tx.inserted[s.last.Name]++
}

func (w *Warehouse) writeQuarantine(ctx context.Context, tx *txn, qs []pipeline.Quarantined, now time.Time) error {
	if len(qs) == 0 {
		return nil
	}
	rows := make([][]any, len(qs))
	for i, q := range qs {
		at := q.At
		if at.IsZero() {
			at = now
		}
		expires := w.d.timeArg(now.Add(w.policy.TTL(ClassQuarantine, q.Tenant)))
		rows[i] = []any{q.Tenant, q.Source, q.Object, q.Stage, q.Field, q.Rule,
			q.Position.Topic, q.Position.Partition, q.Position.Offset, w.d.timeArg(at), expires}
	}
	cols := []string{"tenant", "source", "object", "stage", "field", "rule", "topic", "partition", `"offset"`, "quarantined_at", "expires_at"}
	// A replayed message is quarantined once: its log position is unique.
	if err := tx.insertRows(ctx, "quarantine", cols, rows, ` ON CONFLICT (topic, partition, "offset") DO NOTHING`); err != nil {
		return fmt.Errorf("writing quarantine: %w", err)
	}
	return nil
}

func (w *Warehouse) writeOffsets(ctx context.Context, tx *txn, offsets map[pipeline.TopicPartition]int64, now time.Time) error {
	if len(offsets) == 0 {
		return nil
	}
	tps := make([]pipeline.TopicPartition, 0, len(offsets))
	for tp := range offsets {
		tps = append(tps, tp)
	}
	sort.Slice(tps, func(i, j int) bool {
		if tps[i].Topic != tps[j].Topic {
			return tps[i].Topic < tps[j].Topic
		}
		return tps[i].Partition < tps[j].Partition
	})
	rows := make([][]any, len(tps))
	for i, tp := range tps {
		rows[i] = []any{tp.Topic, tp.Partition, offsets[tp], w.d.timeArg(now)}
	}
	suffix := " ON CONFLICT (topic, partition) DO UPDATE SET next_offset = " + w.d.greatest +
		"(consumer_offsets.next_offset, excluded.next_offset), updated_at = excluded.updated_at"
	if err := tx.insertRows(ctx, "consumer_offsets", []string{"topic", "partition", "next_offset", "updated_at"}, rows, suffix); err != nil {
		return fmt.Errorf("writing consumer offsets: %w", err)
	}
	return nil
}

func (w *Warehouse) writeCheckpoints(ctx context.Context, tx *txn, cps []pipeline.PartitionCheckpoint, now time.Time) error {
	cps, err := w.fence(ctx, tx, cps)
	if err != nil || len(cps) == 0 {
		return err
	}
	type cpKey struct {
		tenant, source, object string
		partition              int
	}
	last := map[cpKey]pipeline.PartitionCheckpoint{}
	for _, c := range cps {
		last[cpKey{c.Tenant, c.Source, c.Object, c.Partition}] = c
	}
	keys := make([]cpKey, 0, len(last))
	for k := range last {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.tenant != b.tenant {
			return a.tenant < b.tenant
		}
		if a.source != b.source {
			return a.source < b.source
		}
		if a.object != b.object {
			return a.object < b.object
		}
		return a.partition < b.partition
	})
	rows := make([][]any, len(keys))
	for i, k := range keys {
		c := last[k]
		rows[i] = []any{k.tenant, k.source, k.object, k.partition, c.Seq, c.Cursor, w.d.timeArg(now)}
	}
	suffix := " ON CONFLICT (tenant, source, object, partition) DO UPDATE SET seq = excluded.seq," +
		" cursor = excluded.cursor, updated_at = excluded.updated_at WHERE excluded.seq >= sync_cursors.seq"
	cols := []string{"tenant", "source", "object", "partition", "seq", "cursor", "updated_at"}
	if err := tx.insertRows(ctx, "sync_cursors", cols, rows, suffix); err != nil {
		return fmt.Errorf("writing sync cursors: %w", err)
	}
	return nil
}
