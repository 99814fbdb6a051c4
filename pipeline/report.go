package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// PassReport is the outcome of a sync pass, stream by stream, sorted by
// stream: what `tally run --once` decides its exit code from.
type PassReport struct {
	Streams []StreamReport
	// Started and Ended bound the pass (Ended: after its drain).
	Started, Ended time.Time
}

// StreamReport is what one stream's pass did. Counts are those of the
// pass: records pulled by the connector (reject stubs included) and what
// the consumer committed of them by the end of the pass.
type StreamReport struct {
	Stream
	Pulled, Consumed, Written, Deleted, Quarantined int64
	// Quarantine breaks Quarantined down by stage, field and rule.
	Quarantine map[QuarantineKey]int64
	// Missing lists projected fields that no upsert of the pass carried
	// (nil when the pass had no upsert or Runner.FieldKPIs is nil).
	Missing []MissingField
	// Err is the error the pass stopped with, nil when it completed.
	Err error
}

// Stopped reports whether the stream's pass stopped before it completed
// for another reason than a spent quota (ErrQuota stops cleanly and the
// next run resumes).
func (s StreamReport) Stopped() bool { return s.Err != nil && !errors.Is(s.Err, ErrQuota) }

// QuarantineShare is Quarantined over the records of the pass (the
// larger of Pulled and Consumed), 0 when there were none.
func (s StreamReport) QuarantineShare() float64 {
	n := max(s.Pulled, s.Consumed, s.Quarantined)
	if n == 0 {
		return 0
	}
	return float64(s.Quarantined) / float64(n)
}

// ByRule sums Quarantine over stages, by field and rule.
func (s StreamReport) ByRule() map[FieldRule]int64 {
	return StreamCounts{Quarantine: s.Quarantine}.ByRule()
}

// Stopped returns the streams whose pass stopped (see StreamReport.Stopped).
func (p PassReport) Stopped() []StreamReport {
	var out []StreamReport
	for _, s := range p.Streams {
		if s.Stopped() {
			out = append(out, s)
		}
	}
	return out
}

// Err joins the errors of every stream's pass.
func (p PassReport) Err() error {
	errs := make([]error, len(p.Streams))
	for i, s := range p.Streams {
		errs[i] = s.Err
	}
	return errors.Join(errs...)
}

// outcome is what a stream's last pass ended with (see syncObject).
type outcome struct {
	err     error
	missing []MissingField
}

// outcomes holds the last outcome of every stream.
type outcomes struct {
	mu sync.Mutex
	m  map[Stream]outcome
}

func (o *outcomes) set(s Stream, oc outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.m == nil {
		o.m = map[Stream]outcome{}
	}
	o.m[s] = oc
}

func (o *outcomes) get(s Stream) outcome {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.m[s]
}

// warnMissing warns about the projected fields that none of the upserts
// of a stream's pass carried, and returns them.
func (r *Runner) warnMissing(s Stream, em *emitter) []MissingField {
	missing := em.seen.missing()
	for _, m := range missing {
		r.Logger.Warn("a projected property had no value in any record of the pass; the KPIs it feeds get nothing from it",
			"tenant", s.Tenant, "connector", s.Source, "object", s.Object, "field", m.Field, "kpis", m.KPIs,
			"upserts", em.seen.upserts)
	}
	return missing
}

// counts returns the counters of streams, to compute a pass's delta.
func (r *Runner) counts(streams []Stream) map[Stream]StreamCounts {
	out := make(map[Stream]StreamCounts, len(streams))
	for _, s := range streams {
		out[s] = r.Stats.Counts(s)
	}
	return out
}

// report builds the pass report of the streams in before.
func (r *Runner) report(before map[Stream]StreamCounts) PassReport {
	var rep PassReport
	for s, b := range before {
		d := r.Stats.Counts(s).Sub(b)
		oc := r.outcomes.get(s)
		rep.Streams = append(rep.Streams, StreamReport{Stream: s, Pulled: d.Pulled, Consumed: d.Consumed,
			Written: d.Upserted, Deleted: d.Deleted, Quarantined: d.Quarantined, Quarantine: d.Quarantine,
			Missing: oc.missing, Err: oc.err})
	}
	sort.Slice(rep.Streams, func(i, j int) bool { return streamLess(rep.Streams[i].Stream, rep.Streams[j].Stream) })
	return rep
}

// logReport writes one summary line per stream: Info, or Warn when
// something was quarantined or the pass stopped (its error is returned
// or logged by the caller, not here).
func (r *Runner) logReport(ctx context.Context, rep PassReport) {
	for _, s := range rep.Streams {
		level := slog.LevelInfo
		if s.Quarantined > 0 || s.Err != nil {
			level = slog.LevelWarn
		}
		r.Logger.Log(ctx, level, "sync pass summary",
			"tenant", s.Tenant, "connector", s.Source, "object", s.Object,
			"pulled", s.Pulled, "written", s.Written, "deleted", s.Deleted, "quarantined", s.Quarantined,
			"quarantine", FormatQuarantine(s.ByRule()), "stopped", s.Stopped(), "quota", errors.Is(s.Err, ErrQuota))
	}
}

// streams returns the streams of bindings (all when none are given).
func (r *Runner) streams(bs ...Binding) []Stream {
	if bs == nil {
		bs = r.Bindings
	}
	var out []Stream
	for _, b := range bs {
		for _, obj := range b.Source.Objects() {
			out = append(out, Stream{b.Tenant, b.Name, obj})
		}
	}
	return out
}

func streamLess(a, b Stream) bool {
	if a.Tenant != b.Tenant {
		return a.Tenant < b.Tenant
	}
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	return a.Object < b.Object
}
