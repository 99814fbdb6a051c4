package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Binding is one configured connector of one tenant.
type Binding struct {
	Tenant string
	Name   string // connector instance name, used in topics and cursors
	Source Source
}

// Runner moves records from sources through the log and the stages into
// the sink. Fill the exported fields, then call RunOnce, Run or
// ReconcileOnce once.
//
// Connectors publish pages and checkpoints to one raw topic per stream;
// a consumer (a member of the log's consumer group) reads them back,
// applies the stages and commits each partition batch to the sink in one
// transaction together with its offsets and checkpoints; per partition,
// the next batch is decoded and transformed while the previous one
// commits (see PipelinedLog), and batches commit in offset order. Connectors
// resume from the sink's stored cursor and the consumer from the sink's
// stored offsets, so a crash anywhere loses and double-counts nothing.
type Runner struct {
	Log      Log
	Sink     Sink
	Stages   []Stage
	Bindings []Binding

	TopicPrefix string
	Partitions  int           // partitions of topics tally creates
	Retention   time.Duration // retention.ms of topics tally creates
	Interval    time.Duration // pause between sync passes in Run
	// OutageLimit is how long RunOnce and ReconcileOnce ride out an
	// unreachable warehouse or log before they give up with an
	// *OutageError; zero means DefaultOutageLimit, negative gives up at
	// the first failure. Run retries until its context is done.
	OutageLimit time.Duration

	Logger *slog.Logger
	Stats  *Stats
	// CountPersonal counts raw personal values in a record; it feeds
	// StreamStats.PersonalSeen/Kept. Nil counts nothing.
	CountPersonal func(*Record) int

	// Suppressions, when set with OnSuppressions, is read before the
	// consumer starts and before every sync pass of Run; each snapshot is
	// handed to OnSuppressions (normally the suppress stage's Update), so
	// erased subjects are dropped by the stages. A failed refresh before
	// the start fails the run; later ones are logged and the previous
	// snapshot stays.
	Suppressions   SuppressionSource
	OnSuppressions func(Suppressed)
	// Shredder, when set, encrypts personal fields of each record with
	// its subject's data key before publishing and decrypts them after
	// consuming (see Shredder).
	Shredder Shredder
	// Terminated, when set, is asked before every sync pass of Run which
	// tenants are terminated; their connectors stop for good. An error
	// is logged and the pass runs (a failed lookup never loses data:
	// purge deletes a terminated tenant's rows whenever they were written).
	Terminated func(ctx context.Context) (map[string]bool, error)
	// Keys maps source ids to the keys the sink stores (the pseudonymize
	// stage); Reconcile needs it. Nil disables Reconcile.
	Keys KeyMapper
	// MaxMessageBytes is the largest raw message published (see
	// Preflight); a larger record is quarantined. 0 means
	// DefaultMaxMessageBytes.
	MaxMessageBytes int
	// FieldKPIs returns the projected fields of an object that feed KPIs,
	// each with the KPIs it feeds; a pass whose upserts all lack one of
	// them warns once. Nil disables the warning.
	FieldKPIs func(object string) map[string][]string
	// AllowTenant, when set, reports whether this process may handle a
	// tenant's records (residency: the tenant is of the process's
	// region). A consumed record of any other tenant is quarantined with
	// stage "residency" and rule "region", never written, and its
	// connectors are never pulled (a configuration error).
	AllowTenant func(tenant string) bool
	// OnStreamPass, when set, is called after each stream's sync pass
	// with its duration and error (nil when it completed); metrics use it.
	OnStreamPass func(s Stream, took time.Duration, err error)
	// OnPass, when set, is called with the report of every sync pass
	// (RunOnceReport's, and each binding's pass in Run) after its
	// summary is logged, e.g. to record it as evidence. It must not
	// block for long; its failures are its own to log.
	OnPass func(ctx context.Context, rep PassReport)
	// Leases, when set, spreads bindings over several processes: Run
	// pulls a binding only while it holds the binding's lease; RunOnce
	// and Reconcile take it (see Leaser).
	Leases Leaser
	// Ahead is how many pages (checkpoints) a connector may publish ahead
	// of what the warehouse committed for its stream: the emitter waits
	// before queueing more (see backpressure.go), which bounds what a new
	// lease holder re-pulls after a crash. 0 means DefaultAhead; negative
	// is unlimited.
	Ahead int

	topics  map[Stream]topic
	sources map[Stream]Source
	byTopic map[string]Stream
	// inflight counts, per topic, the batches whose commit has begun and
	// that are not yet counted in Stats; drain waits for them so that a
	// pass's report sees what the warehouse already shows committed. A
	// batch only prepared is not in it: it has neither offsets in the
	// warehouse nor counts.
	inflight map[string]*atomic.Int64
	seq      atomic.Int64
	commits  chan struct{} // signalled after each committed batch
	cpBell   commitBell    // rung after each committed batch with checkpoints
	turns    map[bindingID]chan struct{}

	mu   sync.Mutex
	live *live // the running consumer, for Reconcile
	out  outages

	outcomes outcomes // of each stream's last pass
}

type topic struct {
	name       string
	partitions int
}

// RunOnce runs one sync pass of every binding, then waits until the
// consumer has committed everything the pass published, and returns.
// Source errors do not stop other bindings; they are returned joined
// after the drain, so that everything pulled before an error is
// committed (a quota stop resumes from there next run).
func (r *Runner) RunOnce(ctx context.Context) error {
	rep, err := r.RunOnceReport(ctx)
	return errors.Join(rep.Err(), err)
}

// RunOnceReport is RunOnce with the pass's report: each stream's counts
// and source error (logged as one summary line per stream). The error
// returned is the run's own (the log, the sink, ctx), not a source's.
func (r *Runner) RunOnceReport(ctx context.Context) (PassReport, error) {
	if err := r.begin(ctx); err != nil {
		return PassReport{}, err
	}
	r.out.limit = r.onceLimit()
	defer r.closeSources()
	cons := r.startConsumer(ctx)
	defer cons.stop()

	before, started := r.counts(r.streams()), time.Now()
	var wg sync.WaitGroup
	for _, b := range r.Bindings {
		wg.Go(func() { _ = r.leasedPass(ctx, b) }) // errors are in the report
	}
	wg.Wait()
	if ctx.Err() != nil {
		return r.report(before), ctx.Err()
	}
	err := r.drain(ctx, r.topicNames(), cons)
	if err == nil {
		err = cons.stop()
	}
	rep := r.report(before)
	r.logReport(ctx, rep)
	r.onPass(ctx, rep, started)
	return rep, err
}

// Run syncs every binding every Interval and consumes continuously until
// ctx is done, then stops reading, lets in-flight batches commit and
// returns nil; or returns the consumer's error. A failing pass is logged
// and retried at the next interval, except configuration errors, which
// stop that binding. While Run runs, Reconcile may be called from other
// goroutines; Run cancels and waits for them before it returns.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.begin(ctx); err != nil {
		return err
	}
	defer r.closeSources()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cons := r.startConsumer(ctx)
	l := r.setLive(ctx, cons)
	var wg sync.WaitGroup
	for _, b := range r.Bindings {
		wg.Go(func() { r.loop(ctx, b, cons) })
	}
	select {
	case <-ctx.Done():
	case <-cons.done:
		cancel()
	}
	wg.Wait()
	r.endLive(l)
	return cons.stop()
}

func (r *Runner) loop(ctx context.Context, b Binding, cons *consumer) {
	for {
		if r.terminated(ctx, b.Tenant) {
			r.Logger.Info("tenant terminated; its connector stops", "tenant", b.Tenant, "connector", b.Name)
			return
		}
		if err := r.refreshSuppressions(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Warn("refreshing suppressions failed; keeping the previous list",
				"tenant", b.Tenant, "connector", b.Name, "error", err)
		}
		if r.Leases != nil && r.Leases.Wait(ctx, b.Tenant, b.Name) != nil {
			return
		}
		err := r.syncTurn(ctx, b, cons)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errNotLeased):
			select { // the lease moved since Wait: wait for it again
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		case errors.Is(err, ErrConfig):
			r.Logger.Error("connector stopped: fix the configuration and restart",
				"tenant", b.Tenant, "connector", b.Name, "error", err)
			return
		case err != nil:
			r.Logger.Warn("sync pass failed; retrying next interval",
				"tenant", b.Tenant, "connector", b.Name, "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.Interval):
		}
	}
}

// syncTurn runs one pass of b in the binding's turn (see acquire) and,
// when it succeeds, waits (at most Interval) until the consumer has
// committed it: the next pass resumes from its last checkpoint instead
// of re-pulling, and a reconcile taking the next turn finds little in
// flight.
func (r *Runner) syncTurn(ctx context.Context, b Binding, cons *consumer) error {
	id := bindingID{b.Tenant, b.Name}
	if err := r.acquire(ctx, id); err != nil {
		return err
	}
	defer r.release(id)
	lctx, done, err := r.holdLease(ctx, id, false)
	if err != nil {
		return err
	}
	defer done()
	before, started := r.counts(r.streams(b)), time.Now()
	if err := r.pass(lctx, b); err != nil {
		if ctx.Err() == nil {
			rep := r.report(before)
			r.logReport(ctx, rep)
			r.onPass(ctx, rep, started)
		}
		return err
	}
	dctx, dcancel := context.WithTimeout(ctx, r.Interval)
	err = r.drain(dctx, r.bindingTopics(b), cons)
	dcancel()
	if err != nil && handingOver(lctx) {
		// The lease moves: let the warehouse commit this pass's
		// checkpoints first (while the lease lasts), or the next holder
		// re-pulls what this pass did.
		_ = r.drain(lctx, r.bindingTopics(b), cons)
	}
	rep := r.report(before)
	r.logReport(ctx, rep)
	r.onPass(ctx, rep, started)
	return nil
}

// terminated reports whether the tenant was terminated since start.
func (r *Runner) terminated(ctx context.Context, tenant string) bool {
	if r.Terminated == nil {
		return false
	}
	set, err := r.Terminated(ctx)
	if err != nil {
		if ctx.Err() == nil {
			r.Logger.Warn("reading tenant terminations failed; syncing anyway", "tenant", tenant, "error", err)
		}
		return false
	}
	return set[tenant]
}

// pass runs one sync pass over every object of a binding, each from the
// sink's stored cursor. Objects sync concurrently (the Source contract
// allows it), so a small object never waits behind a large one.
func (r *Runner) pass(ctx context.Context, b Binding) error {
	objects := b.Source.Objects()
	errs := make([]error, len(objects))
	var wg sync.WaitGroup
	for i, obj := range objects {
		wg.Go(func() { errs[i] = r.syncObject(ctx, Stream{b.Tenant, b.Name, obj}) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// syncObject runs one object's pass from its stored cursor.
func (r *Runner) syncObject(ctx context.Context, s Stream) (err error) {
	var missing []MissingField
	began := time.Now()
	defer func() {
		r.outcomes.set(s, outcome{err: err, missing: missing})
		if r.OnStreamPass != nil {
			r.OnStreamPass(s, time.Since(began), err)
		}
	}()
	if r.AllowTenant != nil && !r.AllowTenant(s.Tenant) { // residency: never pull another region's tenant
		return fmt.Errorf("tenant %s is not in this process's region; not pulled: %w", s.Tenant, ErrConfig)
	}
	t := r.topics[s]
	cursor, err := r.storedCursor(ctx, s, t.partitions)
	if err != nil {
		return fmt.Errorf("reading cursor of %s/%s/%s: %w", s.Tenant, s.Source, s.Object, err)
	}
	start := time.Now()
	before := r.Stats.Stream(s).Pulled.Load()
	em := r.newEmitter(ctx, s, t)
	err = errors.Join(r.sources[s].Sync(ctx, s.Object, cursor, em), em.close())
	missing = r.warnMissing(s, em)
	log := r.Logger.With("tenant", s.Tenant, "connector", s.Source, "object", s.Object,
		"count", r.Stats.Stream(s).Pulled.Load()-before, "duration", time.Since(start).Round(time.Millisecond))
	if err != nil {
		log.Warn("sync pass stopped", "resumed", cursor != "", "error", err)
		return fmt.Errorf("syncing %s/%s/%s: %w", s.Tenant, s.Source, s.Object, err)
	}
	log.Info("sync pass done", "resumed", cursor != "")
	return nil
}

// nextSeq returns a checkpoint sequence number that increases strictly,
// within a process and (by wall clock) across restarts.
func (r *Runner) nextSeq() int64 {
	for {
		old := r.seq.Load()
		n := max(time.Now().UnixNano(), old+1)
		if r.seq.CompareAndSwap(old, n) {
			return n
		}
	}
}
