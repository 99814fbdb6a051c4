package warehouse

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
)

// PartitionPeriod is the width of the range of a partition tally
// creates (of expires_at, or of days for kpi_daily): four weeks. Every
// write looks a batch's keys up in every fact partition, so the count of
// partitions prices every batch; four-week partitions keep a 400-day TTL
// at about 16 (weekly ones made it about 60, and the lookup 2.5 times as
// costly: BENCHMARKS.md). Purge still removes expired rows on the day
// they expire, by deleting them from the partition they share with
// live rows, and drops a partition once all of its rows have expired.
const PartitionPeriod = 28 * 24 * time.Hour

// legacyPeriod is the width of partitions named by their start alone
// (deal_facts_p20250106): tally created weekly partitions before the
// four-week ones, and a warehouse keeps them until they expire. New
// partitions fill the gaps between them, clipped to their bounds.
const legacyPeriod = 7 * 24 * time.Hour

// partitionAhead is how far past a needed expiry tally creates
// partitions, so writes rarely wait for a CREATE TABLE.
const partitionAhead = 28 * 24 * time.Hour

// partitionEpoch is a Monday: partitions start on Mondays 00:00 UTC,
// every PartitionPeriod from it (and legacy ones every week from it, so
// the two grids share their boundaries).
var partitionEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// partitionStart returns the start of the PartitionPeriod cell of the
// grid holding partition key value t.
func partitionStart(t time.Time) time.Time {
	d := t.UTC().Sub(partitionEpoch)
	n := d / PartitionPeriod
	if d < 0 && d%PartitionPeriod != 0 {
		n--
	}
	return partitionEpoch.Add(n * PartitionPeriod)
}

// partitionName names the partition of table covering [from, to):
// deal_facts_p20250106_20250203.
func partitionName(table string, from, to time.Time) string {
	return table + "_p" + from.UTC().Format("20060102") + "_" + to.UTC().Format("20060102")
}

// parsePartition returns the range of a tally-created partition of table
// from its name: table_pFROM_TO, or table_pFROM for a legacy weekly one.
// It returns false for the default partition and anything else.
func parsePartition(table, name string) (from, to time.Time, ok bool) {
	s, ok := strings.CutPrefix(name, table+"_p")
	if !ok {
		return from, to, false
	}
	switch {
	case len(s) == 8:
		from, err := time.Parse("20060102", s)
		return from, from.Add(legacyPeriod), err == nil
	case len(s) == 17 && s[8] == '_':
		from, err1 := time.Parse("20060102", s[:8])
		to, err2 := time.Parse("20060102", s[9:])
		return from, to, err1 == nil && err2 == nil && to.After(from)
	}
	return from, to, false
}

// partitions tracks the range partitions that exist per partitioned
// table, so that writes create missing ones outside their transaction
// and name the partition a row lands in.
type partitions struct {
	mu     sync.Mutex
	known  map[string][]Partition // table → partitions by From, disjoint
	loaded bool
}

func (p *partitions) reset() {
	p.mu.Lock()
	p.known, p.loaded = nil, false
	p.mu.Unlock()
}

// find returns the index of the partition of table holding v, or, with
// false, the index of the first partition starting after v. p.mu is held.
func (p *partitions) find(table string, v time.Time) (int, bool) {
	ps := p.known[table]
	i := sort.Search(len(ps), func(i int) bool { return ps[i].To.After(v) })
	return i, i < len(ps) && !ps[i].From.After(v)
}

// add records a partition of table, keeping them sorted. p.mu is held.
func (p *partitions) add(part Partition) {
	i, _ := p.find(part.Table, part.From)
	ps := p.known[part.Table]
	p.known[part.Table] = append(ps[:i], append([]Partition{part}, ps[i:]...)...)
}

// gap returns the range of the partition to create for v, which no known
// partition of table holds: the grid cell of v, clipped to the known
// partitions before and after it. p.mu is held.
func (p *partitions) gap(table string, v time.Time) (from, to time.Time) {
	from = partitionStart(v)
	to = from.Add(PartitionPeriod)
	i, _ := p.find(table, v)
	ps := p.known[table]
	if i > 0 && ps[i-1].To.After(from) {
		from = ps[i-1].To
	}
	if i < len(ps) && ps[i].From.Before(to) {
		to = ps[i].From
	}
	return from, to
}

// listPartitionsQuery lists the partitions of the tables named by $1
// (resolved in the search path), through the catalogs' indexes.
const listPartitionsQuery = `SELECT parent.relname, child.relname
FROM unnest($1::text[]) AS t(name)
JOIN pg_class parent ON parent.oid = to_regclass(t.name)
JOIN pg_inherits i ON i.inhparent = parent.oid
JOIN pg_class child ON child.oid = i.inhrelid
WHERE parent.relkind = 'p'`

// Partition is one range partition of a partitioned table.
type Partition struct {
	Table string
	Name  string
	// Column is the partition key: expires_at for fact tables, day for
	// kpi_daily (see partitionColumn).
	Column string
	// From and To bound its range [From, To) of Column.
	From, To time.Time
}

// partitionColumn returns the column table is range-partitioned on.
// Fact tables are partitioned on expires_at. kpi_daily is partitioned on
// the day a rollup describes: its expiry is a function of that day
// (rollupExpiry), so the days of a partition expire together, and its natural
// key is a primary key that upserts can use.
func partitionColumn(table string) string {
	if table == "kpi_daily" {
		return "day"
	}
	return "expires_at"
}

// Partitions lists the tally-created partitions of the warehouse's
// partitioned tables, by table and start. It is empty on SQLite.
func (w *Warehouse) Partitions(ctx context.Context) ([]Partition, error) {
	s, err := w.listPartitions(ctx)
	return s.ranged, err
}

// partitionSet is every partition of the partitioned tables, from one
// catalog read.
type partitionSet struct {
	// ranged are the tally-created partitions, whose bounds their names
	// give, sorted by table and start.
	ranged []Partition
	// unranged are, per table, the partitions of unknown range: the
	// default partition and any partition tally did not create.
	unranged map[string][]string
}

// of returns table's ranged partitions.
func (s partitionSet) of(table string) []Partition {
	var out []Partition
	for _, p := range s.ranged {
		if p.Table == table {
			out = append(out, p)
		}
	}
	return out
}

func (w *Warehouse) listPartitions(ctx context.Context) (partitionSet, error) {
	s := partitionSet{unranged: map[string][]string{}}
	if w.d.name != Postgres {
		return s, nil
	}
	rows, err := w.db.QueryContext(ctx, listPartitionsQuery, pq.Array(w.partitionedTables()))
	if err != nil {
		return s, fmt.Errorf("listing partitions: %w", redact(err))
	}
	defer rows.Close()
	for rows.Next() {
		var parent, child string
		if err := rows.Scan(&parent, &child); err != nil {
			return s, fmt.Errorf("listing partitions: %w", redact(err))
		}
		if from, to, ok := parsePartition(parent, child); ok {
			s.ranged = append(s.ranged, Partition{Table: parent, Name: child, Column: partitionColumn(parent),
				From: from, To: to})
		} else {
			s.unranged[parent] = append(s.unranged[parent], child)
		}
	}
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("listing partitions: %w", redact(err))
	}
	sort.Slice(s.ranged, func(i, j int) bool {
		a, b := s.ranged[i], s.ranged[j]
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		return a.From.Before(b.From)
	})
	return s, nil
}

// ensurePartitions makes sure that table has a partition holding every
// value from from up to to, creating the missing ones (the grid cells of
// PartitionPeriod, clipped to the partitions that exist), each in its
// own short transaction. A partition that cannot be created (its range
// holds rows in the default partition) is logged and skipped: those rows
// stay in the default partition, which purge empties in batches. It does
// nothing on SQLite.
func (w *Warehouse) ensurePartitions(ctx context.Context, table string, from, to time.Time) error {
	if w.d.name != Postgres {
		return nil
	}
	w.parts.mu.Lock()
	defer w.parts.mu.Unlock()
	if !w.parts.loaded {
		ps, err := w.Partitions(ctx)
		if err != nil {
			return err
		}
		w.parts.known = map[string][]Partition{}
		for _, p := range ps {
			w.parts.known[p.Table] = append(w.parts.known[p.Table], p)
		}
		w.parts.loaded = true
	}
	for v := from; !v.After(to); {
		if i, ok := w.parts.find(table, v); ok {
			v = w.parts.known[table][i].To
			continue
		}
		start, end := w.parts.gap(table, v)
		p := Partition{Table: table, Name: partitionName(table, start, end), Column: partitionColumn(table), From: start, To: end}
		if err := w.createPartition(ctx, p); err != nil {
			if ctx.Err() != nil {
				return err
			}
			w.log.WarnContext(ctx, "creating partition; rows of its range go to the default partition",
				"component", "warehouse", "table", p.Name, "error", err)
			p.Name = "" // not created: not retried by this process, and no statistics to refresh
		}
		w.parts.add(p)
		v = end
	}
	return nil
}

// partitionOf returns the partition of table that a row with partition
// key value v lands in, among those ensurePartitions knows and created,
// or false if there is none (the row goes to the default partition).
func (w *Warehouse) partitionOf(table string, v time.Time) (Partition, bool) {
	w.parts.mu.Lock()
	defer w.parts.mu.Unlock()
	i, ok := w.parts.find(table, v)
	if !ok || w.parts.known[table][i].Name == "" {
		return Partition{}, false
	}
	return w.parts.known[table][i], true
}

func (w *Warehouse) createPartition(ctx context.Context, p Partition) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tx, err := w.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if _, err := tx.exec(ctx, "SET LOCAL lock_timeout = '10s'"); err != nil {
		return err
	}
	layout := time.RFC3339
	if p.Column == "day" {
		layout = time.DateOnly
	}
	q := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')",
		p.Name, p.Table, p.From.Format(layout), p.To.Format(layout))
	if p.Table == "kpi_daily" {
		// Every batch updates its rollup rows: room on the page keeps the
		// updates HOT (no new index entries) and prunable without vacuum.
		q += " WITH (fillfactor = " + kpiFillFactor + ")"
	}
	if _, err := tx.exec(ctx, q); err != nil {
		var dbErr *DBError
		if errors.As(err, &dbErr) && dbErr.Code == "42P07" { // created concurrently
			return nil
		}
		return err
	}
	if w.securePartition(ctx, tx, p.Table, p.Name) {
		w.grantPartition(ctx, tx, p.Table, p.Name)
	}
	return tx.commit()
}

// partitionedTables are the PostgreSQL tables range-partitioned by
// tally: every fact table and kpi_daily.
func (w *Warehouse) partitionedTables() []string {
	out := []string{"kpi_daily"}
	for _, t := range w.tables {
		out = append(out, t.name)
	}
	sort.Strings(out)
	return out
}

// EnsurePartitionsAhead creates, for every fact table and every TTL that
// applies to it (the global one and each tenant override), the
// partitions from now+TTL to now+TTL+4 weeks (partitionAhead), and the kpi_daily
// partitions of the days from now to now+4 weeks. Migrate and every
// purge call it; Write creates the partition it needs if one is missing.
func (w *Warehouse) EnsurePartitionsAhead(ctx context.Context) error {
	now := w.now().UTC()
	for _, table := range w.partitionedTables() {
		if partitionColumn(table) == "day" {
			if err := w.ensurePartitions(ctx, table, now, now.Add(partitionAhead)); err != nil {
				return fmt.Errorf("creating partitions of %s: %w", table, err)
			}
			continue
		}
		for _, ttl := range w.policy.ttlsOf(classOf(table)) {
			if err := w.ensurePartitions(ctx, table, now.Add(ttl), now.Add(ttl+partitionAhead)); err != nil {
				return fmt.Errorf("creating partitions of %s: %w", table, err)
			}
		}
	}
	return nil
}

// ensureForWrite makes sure the partition of table for partition key
// value v exists (and the one after it), before a write transaction
// begins.
func (w *Warehouse) ensureForWrite(ctx context.Context, table string, v time.Time) error {
	return w.ensurePartitions(ctx, table, v, v.Add(PartitionPeriod))
}
