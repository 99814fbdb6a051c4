package warehouse

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// dropChunk is the most partitions one drop transaction takes: their
// rows are counted under its timeout, so a first purge after a long
// pause does not count the whole history in one go.
const dropChunk = 16

// mayBeExpired reports whether every row of p can have expired before
// cutoff judging by its range alone. A fact partition's rows expire
// before its end, so its range is proof. A kpi_daily partition holds
// days, whose rollups expire the KPI TTL after the day (rollupExpiry):
// it can only be wholly expired once its end plus the shortest KPI TTL
// is past, and dropPartitions checks its rows' expiries before dropping.
func (w *Warehouse) mayBeExpired(p Partition, cutoff time.Time) bool {
	if p.Column == "day" {
		return !p.To.Add(w.policy.ttlsOf(ClassKPIs)[0]).After(cutoff)
	}
	return !p.To.After(cutoff)
}

// mayHoldExpired reports whether p may hold a row expired before cutoff:
// a fact partition's rows expire at or after its start, so one starting
// at or after cutoff holds none; a kpi_daily partition may hold rows
// stamped under another policy anywhere.
func mayHoldExpired(p Partition, cutoff time.Time) bool {
	return p.Column == "day" || p.From.Before(cutoff)
}

// dropExpiredPartitions drops every partition of table whose rows have
// all expired before cutoff (counting, with DryRun, what it would drop)
// and returns the names of the partitions dropped.
func (w *Warehouse) dropExpiredPartitions(ctx context.Context, table string, parts []Partition, cutoff time.Time, o PurgeOptions, tr *TableResult) (map[string]bool, error) {
	var cands []Partition
	for _, p := range parts {
		if w.mayBeExpired(p, cutoff) {
			cands = append(cands, p)
		}
	}
	dropped := map[string]bool{}
	for start := 0; start < len(cands); start += dropChunk {
		if err := ctx.Err(); err != nil {
			return dropped, err
		}
		names, rows, err := w.dropPartitions(ctx, table, cands[start:min(start+dropChunk, len(cands))], cutoff, o)
		if err != nil {
			return dropped, fmt.Errorf("dropping partitions of %s: %w", table, err)
		}
		for _, n := range names {
			dropped[n] = true
		}
		tr.PartitionsDropped += len(names)
		tr.RowsDropped += rows
		if !o.DryRun && len(names) > 0 {
			w.parts.reset()
			w.hook("partition")
		}
	}
	return dropped, nil
}

// dropPartitions drops, in one transaction under o.BatchTimeout, those
// of ps whose rows have all expired before cutoff, and returns their
// names and exact row count. table is first locked in SHARE mode:
// writers wait (readers go on), so the count taken next is the number of
// rows the DROP removes. Locking the parent before any partition, as
// every writer does, cannot deadlock with them. One DROP TABLE then
// removes the partitions, which detaches them under a short ACCESS
// EXCLUSIVE lock of table. With DryRun it only counts.
func (w *Warehouse) dropPartitions(ctx context.Context, table string, ps []Partition, cutoff time.Time, o PurgeOptions) ([]string, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, o.BatchTimeout)
	defer cancel()
	tx, err := w.begin(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.rollback()
	if !o.DryRun {
		// A waiting lock queues every later reader and writer of the
		// table behind it: give up quickly and let the next run retry.
		for _, q := range []string{"SET LOCAL lock_timeout = '5s'", "LOCK TABLE " + table + " IN SHARE MODE"} {
			if _, err := tx.exec(ctx, q); err != nil {
				return nil, 0, err
			}
		}
	}
	counts, err := countPartitions(ctx, tx, ps, cutoff)
	if err != nil {
		return nil, 0, err
	}
	var drop []string
	var rows int64
	for _, p := range ps {
		if c := counts[p.Name]; c.expired {
			drop = append(drop, p.Name)
			rows += c.rows
		}
	}
	if o.DryRun || len(drop) == 0 {
		return drop, rows, nil
	}
	if _, err := tx.exec(ctx, "DROP TABLE "+strings.Join(drop, ", ")); err != nil {
		return nil, 0, err
	}
	if err := tx.commit(); err != nil {
		return nil, 0, err
	}
	return drop, rows, nil
}

// partitionCount is what countPartitions found in one partition.
type partitionCount struct {
	rows    int64
	expired bool // every row expired before the cutoff
}

// countPartitions counts the rows of each partition of ps in one
// statement. A fact partition is wholly expired by its range; for a
// kpi_daily partition the same scan finds its latest expires_at.
func countPartitions(ctx context.Context, tx *txn, ps []Partition, cutoff time.Time) (map[string]partitionCount, error) {
	parts := make([]string, len(ps))
	for i, p := range ps {
		latest := "NULL::timestamptz"
		if p.Column == "day" {
			latest = "max(expires_at)"
		}
		parts[i] = fmt.Sprintf("SELECT %d AS i, count(*) AS n, %s AS latest FROM %s", i, latest, p.Name)
	}
	rows, err := tx.query(ctx, strings.Join(parts, " UNION ALL "))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]partitionCount{}
	for rows.Next() {
		var i int
		var n int64
		var latest *time.Time
		if err := rows.Scan(&i, &n, &latest); err != nil {
			return nil, redact(err)
		}
		out[ps[i].Name] = partitionCount{rows: n, expired: latest == nil || latest.Before(cutoff)}
	}
	return out, redact(rows.Err())
}
