package warehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// dropChunk is the most partitions one drop transaction takes. Drops
// are pipelined (see dropExpiredPartitions), so smaller chunks hide more
// of the counting behind file removal, but each chunk is a transaction
// of five statements and a count that cannot use a parallel append
// across more partitions: three balances the two.
const dropChunk = 3

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
//
// The drops are pipelined, one transaction per chunk: while a chunk's
// transaction commits, the next one is locked and counted. PostgreSQL
// removes a dropped table's files in its commit, after releasing the
// locks, and on a file system that frees (and discards) blocks slowly
// that removal is most of a purge; the count of the next chunk, which
// must wait for the previous DROP's lock, runs meanwhile instead of
// after it. At most one commit is in flight, and a chunk's rows count
// as dropped only once its commit succeeded.
func (w *Warehouse) dropExpiredPartitions(ctx context.Context, table string, parts []Partition, cutoff time.Time, o PurgeOptions, tr *TableResult) (map[string]bool, error) {
	var cands []Partition
	for _, p := range parts {
		if w.mayBeExpired(p, cutoff) {
			cands = append(cands, p)
		}
	}
	dropped := map[string]bool{}
	take := func(d *dropTxn) {
		for _, n := range d.names {
			dropped[n] = true
		}
		tr.PartitionsDropped += len(d.names)
		tr.RowsDropped += d.rows
	}
	var inflight *dropTxn
	// settle waits for the commit in flight and counts what it dropped.
	settle := func() error {
		d := inflight
		if d == nil {
			return nil
		}
		inflight = nil
		if err := <-d.done; err != nil {
			return err
		}
		take(d)
		w.parts.reset()
		w.hook("partition")
		return nil
	}
	wrap := func(err error) error { return fmt.Errorf("dropping partitions of %s: %w", table, err) }
	for start := 0; start < len(cands); start += dropChunk {
		if err := ctx.Err(); err != nil {
			return dropped, errors.Join(err, settle())
		}
		d, err := w.dropPartitions(ctx, table, cands[start:min(start+dropChunk, len(cands))], cutoff, o)
		if serr := settle(); serr != nil {
			d.abort()
			return dropped, wrap(serr)
		}
		if err != nil {
			return dropped, wrap(err)
		}
		if o.DryRun || len(d.names) == 0 {
			take(d)
			d.abort()
			continue
		}
		inflight = d.commitAsync()
	}
	if err := settle(); err != nil {
		return dropped, wrap(err)
	}
	return dropped, nil
}

// dropTxn is one drop transaction whose DROP TABLE has run and whose
// commit is pending: the partitions it drops and their exact row count.
type dropTxn struct {
	tx     *txn
	cancel context.CancelFunc
	names  []string
	rows   int64
	done   chan error // the commit's result, after commitAsync
}

// commitAsync commits in a goroutine whose result arrives on d.done.
func (d *dropTxn) commitAsync() *dropTxn {
	d.done = make(chan error, 1)
	go func() {
		err := d.tx.commit()
		d.cancel()
		d.done <- err
	}()
	return d
}

// abort rolls back an uncommitted drop transaction; nil-safe.
func (d *dropTxn) abort() {
	if d != nil {
		d.tx.rollback()
		d.cancel()
	}
}

// dropPartitions begins a transaction under o.BatchTimeout that drops
// those of ps whose rows have all expired before cutoff, and returns it
// uncommitted with their names and exact row count. table is first
// locked in SHARE mode: writers wait (readers go on), so the count taken
// next is the number of rows the DROP removes. Locking the parent before
// any partition, as every writer does, cannot deadlock with them; the
// next chunk's transaction, which takes the same lock, waits until this
// one's commit releases it. One DROP TABLE then removes the partitions,
// which detaches them under a short ACCESS EXCLUSIVE lock of table. With
// DryRun it only counts (and the caller aborts).
func (w *Warehouse) dropPartitions(ctx context.Context, table string, ps []Partition, cutoff time.Time, o PurgeOptions) (*dropTxn, error) {
	ctx, cancel := context.WithTimeout(ctx, o.BatchTimeout)
	tx, err := w.begin(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	d := &dropTxn{tx: tx, cancel: cancel}
	if err := d.lockCountDrop(ctx, table, ps, cutoff, o); err != nil {
		d.abort()
		return nil, err
	}
	return d, nil
}

func (d *dropTxn) lockCountDrop(ctx context.Context, table string, ps []Partition, cutoff time.Time, o PurgeOptions) error {
	if !o.DryRun {
		// A waiting lock queues every later reader and writer of the
		// table behind it: give up quickly and let the next run retry.
		for _, q := range []string{"SET LOCAL lock_timeout = '5s'", "LOCK TABLE " + table + " IN SHARE MODE"} {
			if _, err := d.tx.exec(ctx, q); err != nil {
				return err
			}
		}
	}
	counts, err := countPartitions(ctx, d.tx, ps, cutoff)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if c := counts[p.Name]; c.expired {
			d.names = append(d.names, p.Name)
			d.rows += c.rows
		}
	}
	if o.DryRun || len(d.names) == 0 {
		return nil
	}
	_, err = d.tx.exec(ctx, "DROP TABLE "+strings.Join(d.names, ", "))
	return err
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
