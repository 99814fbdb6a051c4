package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// reconcileBatch bounds the deletes of one sink transaction.
const reconcileBatch = 1000

// reconcileProgress is how many listed ids pass between progress logs.
const reconcileProgress = 100_000

// Reconcile finds the hard deletes of one binding (tenant, connector
// instance name) and deletes their facts: facts the warehouse holds
// whose record the source no longer lists. It needs the consumer of a
// running Run (a schedule calls it from another goroutine) or of
// ReconcileOnce, and returns ErrConfig-wrapped errors when the source is
// not an IDLister, the sink not a KeyLister or Keys is nil.
//
// It takes the binding's turn, so no sync pass of the binding publishes
// while it runs, and waits (at most Interval) until the consumer has
// committed everything the binding published: an upsert still in the
// log could otherwise recreate a fact after its delete. Then, per object:
//
//  1. It reads the keys of the stream's stored facts (the snapshot).
//  2. It lists the source's current ids and maps each to its key under
//     every key version the snapshot holds.
//  3. It writes an OpDelete, versioned at the listing's start, for every
//     snapshot key no listed id maps to, in sink transactions of at most
//     1000 records through Sink.Write: rollups change as for any delete,
//     and a fact whose source record changed after the listing started
//     keeps its newer version.
//
// Reading the snapshot first makes records created meanwhile safe: a
// fact in the snapshot was committed before the listing started, so its
// record existed then and is listed unless it was deleted. A listing
// that fails deletes nothing; a cancelled reconcile keeps the batches it
// committed. Memory is the snapshot, about 50 bytes per stored fact.
// Logs and reports carry counts only.
func (r *Runner) Reconcile(ctx context.Context, tenant, name string, opts ReconcileOptions) ([]ReconcileReport, error) {
	b, ok := r.binding(tenant, name)
	if !ok {
		return nil, fmt.Errorf("reconcile: tenant %s has no connector %s: %w", tenant, name, ErrConfig)
	}
	lister, ok := b.Source.(IDLister)
	if !ok {
		return nil, fmt.Errorf("reconcile %s/%s: the connector cannot list ids (its deletes arrive with its sync passes): %w", tenant, name, ErrConfig)
	}
	keys, ok := r.Sink.(KeyLister)
	if !ok || r.Keys == nil {
		return nil, fmt.Errorf("reconcile %s/%s: the runner needs a KeyLister sink and a KeyMapper: %w", tenant, name, ErrConfig)
	}
	l, err := r.joinLive()
	if err != nil {
		return nil, err
	}
	defer l.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(l.ctx, cancel)()

	id := bindingID{tenant, name}
	if err := r.acquire(ctx, id); err != nil {
		return nil, err
	}
	defer r.release(id)
	ctx, done, err := r.holdLease(ctx, id, true)
	if err != nil {
		return nil, fmt.Errorf("reconcile %s/%s: taking the connector's lease: %w", tenant, name, err)
	}
	defer done()
	dctx, dcancel := context.WithTimeout(ctx, r.Interval)
	err = r.drain(dctx, r.bindingTopics(b), l.cons)
	dcancel()
	if err != nil {
		return nil, fmt.Errorf("reconcile %s/%s: waiting until the warehouse has committed what the connector published: %w", tenant, name, err)
	}
	var reports []ReconcileReport
	for _, obj := range b.Source.Objects() {
		rep, err := r.reconcileStream(ctx, Stream{tenant, name, obj}, lister, keys, opts)
		if err != nil {
			return reports, fmt.Errorf("reconciling %s/%s/%s: %w", tenant, name, obj, err)
		}
		reports = append(reports, rep)
	}
	return reports, nil
}

// ReconcileOnce reconciles every binding (see Reconcile) with a consumer
// of its own, which first commits whatever the bindings' topics still
// hold. A binding's error does not stop the others; the reports of every
// reconciled stream are returned with the joined errors.
func (r *Runner) ReconcileOnce(ctx context.Context, opts ReconcileOptions) ([]ReconcileReport, error) {
	if err := r.begin(ctx); err != nil {
		return nil, err
	}
	r.out.limit = r.onceLimit()
	defer r.closeSources()
	cons := r.startConsumer(ctx)
	l := r.setLive(ctx, cons)
	var reports []ReconcileReport
	var errs []error
	for _, b := range r.Bindings {
		reps, err := r.Reconcile(ctx, b.Tenant, b.Name, opts)
		reports = append(reports, reps...)
		errs = append(errs, err)
	}
	r.endLive(l)
	return reports, errors.Join(errors.Join(errs...), cons.stop())
}

// reconcileStream runs steps 1-3 of Reconcile for one stream.
func (r *Runner) reconcileStream(ctx context.Context, s Stream, lister IDLister, kl KeyLister, opts ReconcileOptions) (ReconcileReport, error) {
	rep := ReconcileReport{Tenant: s.Tenant, Source: s.Source, Object: s.Object, DryRun: opts.DryRun, Started: time.Now().UTC()}
	log := r.Logger.With("tenant", s.Tenant, "connector", s.Source, "object", s.Object)
	snap, err := r.snapshot(ctx, kl, s)
	if err != nil {
		return rep, fmt.Errorf("reading stored keys: %w", err)
	}
	rep.Stored, rep.Unrecognized = len(snap.keys), snap.unrecognized
	log.Info("reconcile: stored facts read", "count", rep.Stored, "unrecognized", rep.Unrecognized)
	listed := time.Now().UTC()
	err = lister.ListIDs(ctx, s.Object, func(ids []string) error {
		for _, id := range ids {
			for _, v := range snap.versions {
				k, err := r.Keys.Key(s.Tenant, s.Object, id, v)
				if err != nil {
					return err
				}
				snap.mark(k)
			}
		}
		if (rep.Listed+len(ids))/reconcileProgress > rep.Listed/reconcileProgress {
			log.Info("reconcile: listing source ids", "count", rep.Listed+len(ids))
		}
		rep.Listed += len(ids)
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("listing ids (nothing deleted): %w", err)
	}
	gone := snap.unmarked()
	rep.Missing = len(gone)
	if !opts.DryRun {
		rep.Deleted, err = r.deleteKeys(ctx, s, gone, listed)
	}
	rep.Duration = time.Since(rep.Started)
	log.Info("reconcile done", "stored", rep.Stored, "listed", rep.Listed, "missing", rep.Missing,
		"deleted", rep.Deleted, "dry_run", opts.DryRun, "duration", rep.Duration.Round(time.Millisecond))
	if err != nil {
		return rep, fmt.Errorf("deleting facts after %d of %d: %w", rep.Deleted, rep.Missing, err)
	}
	return rep, nil
}

// deleteKeys writes an OpDelete of version for every key, in batches.
func (r *Runner) deleteKeys(ctx context.Context, s Stream, keys []string, version time.Time) (int, error) {
	n := 0
	for chunk := range slices.Chunk(keys, reconcileBatch) {
		recs := make([]Record, len(chunk))
		for i, k := range chunk {
			recs[i] = Record{Tenant: s.Tenant, Source: s.Source, Object: s.Object, Key: k, Op: OpDelete, Version: version}
		}
		if err := r.write(ctx, &Batch{Records: recs}); err != nil {
			return n, err
		}
		n += len(chunk)
		r.Stats.Stream(s).Deleted.Add(int64(len(chunk)))
	}
	return n, nil
}

// snapshot is the sorted keys of a stream's stored facts and which of
// them a listed id accounts for.
type snapshot struct {
	keys         []string
	seen         []bool
	versions     []int
	unrecognized int
}

// snapshot reads the stored keys of s. Keys the KeyMapper does not
// recognize are left out, so they are never deleted.
func (r *Runner) snapshot(ctx context.Context, kl KeyLister, s Stream) (*snapshot, error) {
	sn := &snapshot{}
	versions := map[int]bool{}
	err := kl.StoredKeys(ctx, s, func(keys []string) error {
		for _, k := range keys {
			v, ok := r.Keys.KeyVersion(k)
			if !ok {
				sn.unrecognized++
				continue
			}
			versions[v] = true
			sn.keys = append(sn.keys, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(sn.keys)
	sn.keys = slices.Clip(slices.Compact(sn.keys))
	sn.seen = make([]bool, len(sn.keys))
	for v := range versions {
		sn.versions = append(sn.versions, v)
	}
	slices.Sort(sn.versions)
	return sn, nil
}

func (sn *snapshot) mark(key string) {
	if i, ok := slices.BinarySearch(sn.keys, key); ok {
		sn.seen[i] = true
	}
}

func (sn *snapshot) unmarked() []string {
	var out []string
	for i, k := range sn.keys {
		if !sn.seen[i] {
			out = append(out, k)
		}
	}
	return out
}
