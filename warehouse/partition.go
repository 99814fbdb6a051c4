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

// PartitionPeriod is the width of the range of one PostgreSQL partition
// (of expires_at, or of days for kpi_daily). Weekly partitions keep the
// count small (a 400-day TTL spans about 60) while one drop still frees a
// week of expired rows.
const PartitionPeriod = 7 * 24 * time.Hour

// partitionAhead is how far past a needed expiry tally creates
// partitions, so writes rarely wait for a CREATE TABLE.
const partitionAhead = 4 * PartitionPeriod

// partitionEpoch is a Monday: partitions start on Mondays 00:00 UTC.
var partitionEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// partitionStart returns the start of the partition holding partition
// key value t.
func partitionStart(t time.Time) time.Time {
	d := t.UTC().Sub(partitionEpoch)
	n := d / PartitionPeriod
	if d < 0 && d%PartitionPeriod != 0 {
		n--
	}
	return partitionEpoch.Add(n * PartitionPeriod)
}

// partitionName names the partition of table starting at start:
// deal_facts_p20250106.
func partitionName(table string, start time.Time) string {
	return table + "_p" + start.UTC().Format("20060102")
}

// parsePartition returns the start of a tally-created partition of table,
// or false for the default partition and anything else.
func parsePartition(table, name string) (time.Time, bool) {
	s, ok := strings.CutPrefix(name, table+"_p")
	if !ok || len(s) != 8 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102", s)
	return t, err == nil
}

// partitions tracks the range partitions that exist per partitioned
// table, so that writes create missing ones outside their transaction.
type partitions struct {
	mu     sync.Mutex
	known  map[string]map[time.Time]bool // table → partition starts
	loaded bool
}

func (p *partitions) reset() {
	p.mu.Lock()
	p.known, p.loaded = nil, false
	p.mu.Unlock()
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
// (rollupExpiry), so a week of days expires together, and its natural
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
		if start, ok := parsePartition(parent, child); ok {
			s.ranged = append(s.ranged, Partition{Table: parent, Name: child, Column: partitionColumn(parent),
				From: start, To: start.Add(PartitionPeriod)})
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

// ensurePartitions makes sure that table has a partition for every
// period from partitionStart(from) up to to, creating the missing ones,
// each in its own short transaction. A partition that cannot be created
// (its range holds rows in the default partition) is logged and skipped:
// those rows stay in the default partition, which purge empties in
// batches. It does nothing on SQLite.
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
		w.parts.known = map[string]map[time.Time]bool{}
		for _, p := range ps {
			if w.parts.known[p.Table] == nil {
				w.parts.known[p.Table] = map[time.Time]bool{}
			}
			w.parts.known[p.Table][p.From] = true
		}
		w.parts.loaded = true
	}
	if w.parts.known[table] == nil {
		w.parts.known[table] = map[time.Time]bool{}
	}
	for s := partitionStart(from); !s.After(to); s = s.Add(PartitionPeriod) {
		if w.parts.known[table][s] {
			continue
		}
		if err := w.createPartition(ctx, table, s); err != nil {
			if ctx.Err() != nil {
				return err
			}
			w.log.WarnContext(ctx, "creating partition; rows of its range go to the default partition",
				"component", "warehouse", "table", partitionName(table, s), "error", err)
		}
		w.parts.known[table][s] = true
	}
	return nil
}

func (w *Warehouse) createPartition(ctx context.Context, table string, start time.Time) error {
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
	if partitionColumn(table) == "day" {
		layout = time.DateOnly
	}
	q := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')",
		partitionName(table, start), table, start.Format(layout), start.Add(PartitionPeriod).Format(layout))
	if table == "kpi_daily" {
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
	if w.securePartition(ctx, tx, table, partitionName(table, start)) {
		w.grantPartition(ctx, tx, table, partitionName(table, start))
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
// partitions from now+TTL to now+TTL+4 weeks, and the kpi_daily
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
