package warehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrPurgeLocked means another purge holds the purge lock (exit code 3
// of `tally purge`).
var ErrPurgeLocked = errors.New("another purge is running")

// purgeLockClass is the first key of the session advisory lock that keeps
// purges from overlapping ("purg" in ASCII); the second is a hash of the
// schema, so warehouses in different schemas purge independently.
const purgeLockClass = 0x70757267

// PurgeOptions tune one purge run.
type PurgeOptions struct {
	// DryRun counts what a purge would remove and writes nothing.
	DryRun bool
	// BatchSize is the most rows one DELETE removes (default 5000).
	BatchSize int
	// BatchTimeout bounds each transaction: one batch, or the count and
	// drop of up to dropChunk partitions of one table (default 30s).
	BatchTimeout time.Duration
	// TopicPrefix names raw topics (default "tally"); termination uses
	// it to find a tenant's consumer offsets.
	TopicPrefix string
}

func (o PurgeOptions) withDefaults() PurgeOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = 5000
	}
	if o.BatchTimeout <= 0 {
		o.BatchTimeout = 30 * time.Second
	}
	return o
}

func (o PurgeOptions) topicPrefix() string {
	if o.TopicPrefix == "" {
		return "tally"
	}
	return o.TopicPrefix
}

// Purge removes every row whose expires_at is before the run's cutoff
// (the warehouse clock at start) and every row of tenants whose
// termination grace period has passed, then proves it: it re-counts
// expired rows per table and records the result.
//
// On PostgreSQL it first creates the partitions ahead (see
// EnsurePartitionsAhead), then per partitioned table DROPs every
// partition whose rows have all expired (see dropPartitions: up to
// dropChunk partitions per transaction, each counted exactly for the
// evidence first); the rows left (in the partition straddling the
// cutoff, the default partition and unpartitioned tables) are deleted in
// batches of BatchSize, each batch its own transaction under
// BatchTimeout, so an interrupted purge loses no work and the next one
// resumes. Every table is attempted even when one fails; the failures
// come back joined and in the evidence.
//
// Unless DryRun, the run is recorded in purge_runs (see PurgeHistory)
// from its start, so even a killed run leaves a row; the next run marks
// such rows abandoned. Purges never overlap: on PostgreSQL a session
// advisory lock is taken (ErrPurgeLocked when another process holds
// it), on SQLite a process-local one.
func (w *Warehouse) Purge(ctx context.Context, o PurgeOptions) (*PurgeRun, error) {
	o = o.withDefaults()
	unlock, err := w.lockPurge(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	cutoff := w.now().UTC()
	run := &PurgeRun{Started: cutoff, Cutoff: cutoff, DryRun: o.DryRun, Status: StatusRunning, Policy: w.policy}
	if !o.DryRun {
		if err := w.startRun(ctx, run); err != nil {
			return nil, err
		}
	}
	var errs []error
	if !o.DryRun {
		if err := w.EnsurePartitionsAhead(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	tenants, err := w.terminate(ctx, run, cutoff, o)
	if err != nil {
		errs = append(errs, err)
	}
	run.Tenants = tenants
	parts, partsErr := w.listPartitions(ctx)
	for _, pt := range w.purgeables() {
		if pt.Expires == "" {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		ok, err := w.tableExists(ctx, pt.Table)
		if err != nil || !ok {
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		tr := TableResult{Table: pt.Table}
		err = partsErr
		if err == nil || !pt.Partitioned {
			err = w.purgeTable(ctx, pt, parts, cutoff, o, &tr)
		}
		if err != nil {
			tr.Error = err.Error()
			errs = append(errs, fmt.Errorf("purging %s: %w", pt.Table, err))
		}
		run.Tables = append(run.Tables, tr)
	}
	if ctx.Err() == nil {
		if err := w.verify(ctx, run); err != nil {
			errs = append(errs, err)
		}
	}
	return run, w.finishRun(ctx, run, errors.Join(errs...))
}

// purgeTable drops the expired partitions of pt (PostgreSQL) and deletes
// the remaining expired rows in batches; with DryRun it counts them.
// Batches run only in the leaves that may hold expired rows: the default
// partition, and of the tally-created partitions those mayHoldExpired
// and found holding one by a single probe of their expires_at indexes.
func (w *Warehouse) purgeTable(ctx context.Context, pt Purgeable, parts partitionSet, cutoff time.Time, o PurgeOptions, tr *TableResult) error {
	leaves := []string{pt.Table}
	if pt.Partitioned && w.d.name == Postgres {
		ranged := parts.of(pt.Table)
		dropped, err := w.dropExpiredPartitions(ctx, pt.Table, ranged, cutoff, o, tr)
		if err != nil {
			return err
		}
		var probe []string
		for _, p := range ranged {
			if !dropped[p.Name] && mayHoldExpired(p, cutoff) {
				probe = append(probe, p.Name)
			}
		}
		if leaves, err = w.holdingExpired(ctx, probe, cutoff); err != nil {
			return err
		}
		leaves = append(leaves, parts.unranged[pt.Table]...)
	}
	pred := pt.Expires + " < ?"
	for _, leaf := range leaves {
		if o.DryRun {
			n, err := w.count(ctx, leaf, pred, w.d.timeArg(cutoff))
			if err != nil {
				return err
			}
			tr.RowsDeleted += n
			continue
		}
		n, err := w.deleteBatches(ctx, leaf, pred, []any{w.d.timeArg(cutoff)}, o)
		tr.RowsDeleted += n
		if err != nil {
			return err
		}
	}
	return nil
}

// holdingExpired returns those of the leaf tables that hold a row with
// expires_at before cutoff, probing each one's expires_at index in a
// single statement.
func (w *Warehouse) holdingExpired(ctx context.Context, leaves []string, cutoff time.Time) ([]string, error) {
	if len(leaves) == 0 {
		return nil, nil
	}
	probes := make([]string, len(leaves))
	for i, l := range leaves {
		probes[i] = fmt.Sprintf("SELECT %d FROM (SELECT 1 FROM %s WHERE expires_at < $1 LIMIT 1) AS p%d", i, l, i)
	}
	var hits []int
	if err := w.db.SelectContext(ctx, &hits, strings.Join(probes, " UNION ALL "), w.d.timeArg(cutoff)); err != nil {
		return nil, fmt.Errorf("probing partitions for expired rows: %w", redact(err))
	}
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = leaves[h]
	}
	return out, nil
}

// leaves returns the tables that hold pt's rows: on PostgreSQL every
// partition of a partitioned table (the default one included), else the
// table itself.
func (w *Warehouse) leaves(ctx context.Context, pt Purgeable) ([]string, error) {
	if !pt.Partitioned || w.d.name != Postgres {
		return []string{pt.Table}, nil
	}
	var out []string
	err := w.db.SelectContext(ctx, &out, w.db.Rebind(`SELECT child.relname FROM pg_inherits i
		JOIN pg_class child ON child.oid = i.inhrelid JOIN pg_class parent ON parent.oid = i.inhparent
		JOIN pg_namespace n ON n.oid = parent.relnamespace
		WHERE n.nspname = current_schema() AND parent.relname = ? ORDER BY 1`), pt.Table)
	if err != nil {
		return nil, fmt.Errorf("listing partitions of %s: %w", pt.Table, redact(err))
	}
	return out, nil
}

// deleteBatches deletes the rows of one leaf table matching pred, at most
// o.BatchSize per transaction, until none is left, and returns how many
// it deleted. Rows are addressed by ctid (PostgreSQL) or rowid (SQLite)
// so every batch is an index range read plus a direct delete.
func (w *Warehouse) deleteBatches(ctx context.Context, table, pred string, args []any, o PurgeOptions) (int64, error) {
	q := "DELETE FROM " + table + " WHERE rowid IN (SELECT rowid FROM " + table + " WHERE " + pred + " LIMIT ?)"
	if w.d.name == Postgres {
		q = "DELETE FROM " + table + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + table + " WHERE " + pred + " LIMIT ?))"
	}
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := w.execBatch(ctx, q, append(append([]any{}, args...), o.BatchSize), o)
		total += n
		if err != nil {
			return total, err
		}
		if n > 0 {
			w.hook("batch")
		}
		if n < int64(o.BatchSize) {
			return total, nil
		}
	}
}

func (w *Warehouse) execBatch(ctx context.Context, q string, args []any, o PurgeOptions) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, o.BatchTimeout)
	defer cancel()
	return w.Exec(ctx, q, args...)
}

func (w *Warehouse) count(ctx context.Context, table, pred string, args ...any) (int64, error) {
	var n int64
	q := "SELECT count(*) FROM " + table
	if pred != "" {
		q += " WHERE " + pred
	}
	if err := w.db.QueryRowContext(ctx, w.db.Rebind(q), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting %s: %w", table, redact(err))
	}
	return n, nil
}

// lockPurge takes the purge lock and returns its release.
func (w *Warehouse) lockPurge(ctx context.Context) (func(), error) {
	if !w.purging.TryLock() {
		return nil, ErrPurgeLocked
	}
	if w.d.name != Postgres {
		return w.purging.Unlock, nil
	}
	unlock, ok, err := w.tryAdvisoryLock(ctx, purgeLockClass, false)
	if err != nil || !ok {
		w.purging.Unlock()
		if err != nil {
			return nil, fmt.Errorf("taking purge lock: %w", err)
		}
		return nil, ErrPurgeLocked
	}
	return func() {
		unlock()
		w.purging.Unlock()
	}, nil
}

// hook calls the test hook after each committed purge step.
func (w *Warehouse) hook(step string) {
	if w.purgeHook != nil {
		w.purgeHook(step)
	}
}
