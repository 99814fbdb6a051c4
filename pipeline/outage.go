package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// DefaultOutageLimit is how long RunOnce rides out an unreachable
// warehouse or log when Runner.OutageLimit is zero.
const DefaultOutageLimit = 5 * time.Minute

// Bounds of the capped exponential backoff between attempts during an
// outage. The few lines below stand in for a backoff library because
// the pipeline core imports only the standard library (arch_test.go).
const (
	outageFirstWait = 200 * time.Millisecond
	outageMaxWait   = 30 * time.Second
)

// errStopped marks a retry cut short because the run is stopping.
var errStopped = errors.New("stopped while retrying")

// OutageError is returned when RunOnce gives up on a dependency that
// stayed unreachable longer than Runner.OutageLimit.
type OutageError struct {
	What string        // "warehouse" or "kafka"
	For  time.Duration // how long it had been unreachable
	Err  error         // the last failure
}

func (e *OutageError) Error() string {
	return fmt.Sprintf("%s unreachable for %s; giving up: %v", e.What, e.For.Round(time.Second), e.Err)
}

// Unwrap returns the last failure.
func (e *OutageError) Unwrap() error { return e.Err }

// outage follows one dependency across every goroutine that calls it, so
// that an outage is logged once when it starts and once when it ends, not
// once per caller or per attempt.
type outage struct {
	what string

	mu      sync.Mutex
	failing int       // callers currently retrying
	since   time.Time // start of the current outage
	retries int
}

// enter registers a caller whose first attempt failed and returns when
// the outage began.
func (o *outage) enter(log *slog.Logger, err error) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failing == 0 {
		o.since, o.retries = time.Now(), 0
		log.Warn(o.what+" unreachable; retrying with backoff",
			"kind", errorKind(err), "error", err)
	}
	o.failing++
	return o.since
}

// leave unregisters a caller; the last one to leave after a success
// ends the outage.
func (o *outage) leave(log *slog.Logger, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failing--
	if o.failing == 0 && ok {
		log.Info(o.what+" reachable again",
			"duration", time.Since(o.since).Round(time.Millisecond), "count", o.retries)
	}
}

func (o *outage) retried() {
	o.mu.Lock()
	o.retries++
	o.mu.Unlock()
}

// errorKind names the kind of err for the outage log line.
func errorKind(err error) string {
	switch {
	case errors.Is(err, ErrTransient):
		return "transient"
	case errors.Is(err, ErrConfig):
		return "configuration"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "other"
}

// outages are the dependencies a Runner retries.
type outages struct {
	warehouse outage
	kafka     outage
	// limit is how long an outage may last before the caller gives up;
	// zero retries until the context is done (Run).
	limit time.Duration
	// halt, when closed, stops retries between attempts: the consumer is
	// stopping, and handle's context is never cancelled.
	halt <-chan struct{}

	mu        sync.Mutex
	downSince time.Time // when the consumer stopped, zero while it runs
}

// initOutages names the dependencies and sets the limit; Run passes 0.
func (r *Runner) initOutages(limit time.Duration) {
	r.out.warehouse.what, r.out.kafka.what = "warehouse", "kafka"
	r.out.limit = limit
}

// onceLimit is RunOnce's outage limit: OutageLimit, its default when
// zero, and the smallest limit (no retry) when negative.
func (r *Runner) onceLimit() time.Duration {
	switch {
	case r.OutageLimit == 0:
		return DefaultOutageLimit
	case r.OutageLimit < 0:
		return time.Nanosecond
	}
	return r.OutageLimit
}

// retry calls op until it succeeds, fails with an error retry must not
// ride out (retryable returns false), ctx is done, the runner halts, or
// the outage lasts longer than the runner's limit (an *OutageError).
// Waits grow exponentially from 200 ms to 30 s, with jitter so that
// callers that failed together do not retry together.
func (r *Runner) retry(ctx context.Context, o *outage, retryable func(error) bool, op func(context.Context) error) error {
	err := op(ctx)
	if err == nil || ctx.Err() != nil || !retryable(err) {
		return err
	}
	since := o.enter(r.Logger, err)
	ok := false
	defer func() { o.leave(r.Logger, ok) }()
	wait := outageFirstWait
	for {
		if r.out.limit > 0 && time.Since(since) >= r.out.limit {
			return &OutageError{What: o.what, For: r.out.limit, Err: err}
		}
		sleep := wait/2 + rand.N(wait/2+1)
		r.Logger.Debug(o.what+" still unreachable", "wait", sleep, "error", err)
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s unreachable: %w: %w", o.what, errStopped, err)
		case <-r.out.halt:
			t.Stop()
			return fmt.Errorf("%s unreachable: %w: %w", o.what, errStopped, err)
		case <-t.C:
		}
		wait = min(2*wait, outageMaxWait)
		o.retried()
		if err = op(ctx); err == nil {
			ok = true
			return nil
		}
		if ctx.Err() != nil || !retryable(err) {
			return err
		}
	}
}

// anyError is the retry policy of reads: no error of reading offsets or
// cursors is caused by a record, so every one is ridden out.
func anyError(error) bool { return true }

// storedOffsets reads the sink's stored offsets, riding out outages.
func (r *Runner) storedOffsets(ctx context.Context, topics []string) (map[TopicPartition]int64, error) {
	var out map[TopicPartition]int64
	err := r.retry(ctx, &r.out.warehouse, anyError, func(ctx context.Context) (err error) {
		out, err = r.Sink.Offsets(ctx, topics)
		return err
	})
	return out, err
}

// storedCursor reads a stream's resume cursor, riding out outages.
func (r *Runner) storedCursor(ctx context.Context, s Stream, partitions int) (string, error) {
	var out string
	err := r.retry(ctx, &r.out.warehouse, anyError, func(ctx context.Context) (err error) {
		out, err = r.Sink.Cursor(ctx, s, partitions)
		return err
	})
	return out, err
}

// endOffsets reads the log's end offsets, riding out outages.
func (r *Runner) endOffsets(ctx context.Context, topics []string) (map[TopicPartition]int64, error) {
	var out map[TopicPartition]int64
	err := r.retry(ctx, &r.out.kafka, anyError, func(ctx context.Context) (err error) {
		out, err = r.Log.EndOffsets(ctx, topics)
		return err
	})
	return out, err
}

// consume runs Log.Consume and restarts it when it fails with a transient
// error (the broker restarted or cannot be reached, so the group cannot
// be joined), until ctx is done or, under RunOnce, the consumer has been
// down longer than the outage limit. Nothing is lost or read twice by a
// restart: the new member starts at the sink's stored offsets.
func (r *Runner) consume(ctx context.Context) error {
	wait := outageFirstWait
	for {
		err := r.consumeLog(ctx)
		if errors.Is(err, errStopped) && ctx.Err() != nil {
			return nil // stopped during an outage: the batch is read again next start
		}
		var oe *OutageError
		if err == nil || ctx.Err() != nil || !errors.Is(err, ErrTransient) || errors.As(err, &oe) {
			return err
		}
		since := r.out.consumerDown(r.Logger, err)
		if r.out.limit > 0 && time.Since(since) >= r.out.limit {
			return &OutageError{What: "kafka", For: r.out.limit, Err: err}
		}
		t := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, outageMaxWait)
	}
}

// consumerDown notes a failed consumer and returns since when it is down;
// the first failure of an outage is logged.
func (o *outages) consumerDown(log *slog.Logger, err error) time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.downSince.IsZero() {
		o.downSince = time.Now()
		log.Warn("kafka consumer stopped; restarting it with backoff",
			"kind", errorKind(err), "error", err)
	}
	return o.downSince
}

// consumerUp notes that the consumer joined its group; it ends the
// consumer's outage if there was one.
func (o *outages) consumerUp(log *slog.Logger) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.downSince.IsZero() {
		log.Info("kafka consumer running again",
			"duration", time.Since(o.downSince).Round(time.Millisecond))
		o.downSince = time.Time{}
	}
}

// publish publishes msgs, riding out a broker outage: Publish errors that
// wrap ErrTransient are retried with backoff. Publishing a page again is
// harmless (see Log.Publish), so a retry never doubles a record.
func (r *Runner) publish(ctx context.Context, topic string, msgs []Message) error {
	return r.retry(ctx, &r.out.kafka, func(err error) bool { return errors.Is(err, ErrTransient) },
		func(ctx context.Context) error { return r.Log.Publish(ctx, topic, msgs) })
}
