package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"
)

// emitQueue is how many pages may wait for the log while the connector
// fetches the next one.
const emitQueue = 4

// emitter publishes a connector's pages in order from a goroutine of its
// own, so that fetching page n+1 overlaps publishing page n. Each page is
// followed by its checkpoint on every partition of the stream's topic,
// so whichever partition lags decides where the connector resumes.
//
// Emit returns once the page is queued, not published: that is safe
// because the page's checkpoint is published after it, and the connector
// resumes only from checkpoints the sink committed. A publish error stops
// the queue; the next Emit and close return it.
//
// A record that cannot travel through the log (Preflight refuses it, or
// the broker does) never stops the page: it is replaced by a reject stub
// (see EncodeReject) that the consumer quarantines, and the rest of the
// page and its checkpoint go on.
type emitter struct {
	r     *Runner
	s     Stream
	t     topic
	pages chan page
	done  chan struct{}
	mu    sync.Mutex
	err   error
	seen  presence
	lease int64 // fencing token of the binding's lease, carried by checkpoints

	// Back-pressure (see backpressure.go), used by Emit only.
	ahead   int             // most uncommitted checkpointed pages; 0 is unlimited
	pending []string        // cursors of the pass's queued pages not yet known committed
	halt    <-chan struct{} // closed when the consumer stops
}

// page is a queued page: its messages, the first len(recs) of which are
// those of recs (records or reject stubs), then checkpoints.
type page struct {
	msgs []Message
	recs []Record
}

func (r *Runner) newEmitter(ctx context.Context, s Stream, t topic) *emitter {
	e := &emitter{r: r, s: s, t: t, pages: make(chan page, emitQueue), done: make(chan struct{}), lease: leaseToken(ctx),
		ahead: r.ahead(), halt: r.out.halt}
	if r.FieldKPIs != nil {
		e.seen = newPresence(r.FieldKPIs(s.Object))
	}
	go e.publish(ctx)
	return e
}

func (e *emitter) publish(ctx context.Context) {
	defer close(e.done)
	for p := range e.pages {
		if e.failed() != nil {
			continue // drain the queue
		}
		if err := e.send(ctx, p, 0, len(p.msgs)); err != nil {
			e.mu.Lock()
			e.err = err
			e.mu.Unlock()
			continue
		}
		e.r.Stats.Stream(e.s).Pulled.Add(int64(len(p.recs)))
	}
}

// send publishes p.msgs[lo:hi]. When the log refuses a message for what
// it is (ErrInvalid: over the broker's size limit, which may be below
// ours), the range is published in halves until the refused records are
// found, and each is replaced by its reject stub; the order of the
// page's messages is kept. Messages published before a refusal may be
// published twice, which is harmless (records are keyed and versioned).
func (e *emitter) send(ctx context.Context, p page, lo, hi int) error {
	err := e.r.publish(ctx, e.t.name, p.msgs[lo:hi])
	if err == nil || !errors.Is(err, ErrInvalid) || ctx.Err() != nil {
		return err
	}
	if hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if err := e.send(ctx, p, lo, mid); err != nil {
			return err
		}
		return e.send(ctx, p, mid, hi)
	}
	if lo >= len(p.recs) || p.recs[lo].Reject != nil {
		return err // a checkpoint or a stub: nothing smaller to send
	}
	rec := &p.recs[lo]
	rec.Reject = &Rejection{Stage: "emit", Field: largestField(rec), Rule: RuleSize}
	rec.Fields = nil
	if p.msgs[lo], err = EncodeReject(rec, *rec.Reject); err != nil {
		return err
	}
	return e.r.publish(ctx, e.t.name, p.msgs[lo:hi])
}

func (e *emitter) failed() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// Emit checks and encodes a page and its checkpoint and queues them.
func (e *emitter) Emit(ctx context.Context, recs []Record, cursor string) error {
	if err := e.failed(); err != nil {
		return err
	}
	if cursor != "" && !storableCursor(cursor) {
		// The warehouse would refuse this checkpoint (and back-pressure
		// would then wait for it forever): publish the page without one;
		// the connector resumes from its previous stored cursor.
		e.r.Logger.Warn("connector cursor cannot be stored (NUL, invalid UTF-8 or over 64 KiB); page published without a checkpoint",
			"tenant", e.s.Tenant, "connector", e.s.Source, "object", e.s.Object)
		cursor = ""
	}
	e.mu.Lock()
	for i := range recs {
		e.seen.note(&recs[i])
	}
	e.mu.Unlock()
	for i := range recs {
		r := &recs[i]
		// A connector writes only into its own stream.
		r.Tenant, r.Source, r.Object = e.s.Tenant, e.s.Source, e.s.Object
		// Sealing encodes personal values: with a Shredder, refuse what
		// the codec would refuse before it gets there.
		if rej := precheck(r, e.r.Shredder != nil); rej != nil {
			r.Reject = rej
		}
		if r.Reject != nil {
			r.Fields = nil // refused; its values go nowhere
		}
	}
	if err := e.r.seal(ctx, recs); err != nil {
		return err
	}
	msgs := make([]Message, 0, len(recs)+e.t.partitions)
	for i := range recs {
		m, err := e.encode(&recs[i])
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if cursor != "" {
		cp := Checkpoint{Tenant: e.s.Tenant, Source: e.s.Source, Object: e.s.Object, Seq: e.r.nextSeq(), Cursor: cursor, Lease: e.lease}
		for p := range e.t.partitions {
			m, err := EncodeCheckpoint(cp, p)
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	if cursor != "" {
		if err := e.awaitRoom(ctx); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case e.pages <- page{msgs: msgs, recs: recs}:
		if cursor != "" && e.ahead > 0 {
			e.pending = append(e.pending, cursor)
		}
		return nil
	}
}

// encode returns the message of a record, or that of its reject stub
// when the record carries a rejection or fails Preflight.
func (e *emitter) encode(r *Record) (Message, error) {
	if r.Reject == nil {
		m, err := Preflight(r, e.r.MaxMessageBytes)
		var fe *FieldError
		if !errors.As(err, &fe) {
			return m, err
		}
		r.Reject = &Rejection{Stage: "emit", Field: fe.Field, Rule: fe.Rule}
	}
	r.Fields = nil
	return EncodeReject(r, *r.Reject)
}

// precheck returns the rejection of a record whose text is not valid
// UTF-8 (JSON would silently replace the bytes: two ids could become
// one, and no later stage could tell), and with values set, of a record
// whose values Preflight would refuse (range, encode); or nil.
func precheck(r *Record, values bool) *Rejection {
	if r.Reject != nil {
		return nil
	}
	if !utf8.ValidString(r.ID) {
		return &Rejection{Stage: "emit", Field: "id", Rule: RuleEncode}
	}
	if values && !r.Version.IsZero() && !timeInRange(r.Version) {
		return &Rejection{Stage: "emit", Field: "version", Rule: RuleRange}
	}
	for _, v := range r.Fields {
		if valueRule(v, values) != "" {
			// Name the first bad field in sorted order, so the rejection
			// does not depend on map order.
			for _, name := range sortedFields(r.Fields) {
				if rule := valueRule(r.Fields[name], values); rule != "" {
					return &Rejection{Stage: "emit", Field: name, Rule: rule}
				}
			}
		}
	}
	return nil
}

// valueRule is precheck's rule for one value: RuleEncode for a string
// that is not UTF-8, and with values set, what checkValue says; or "".
func valueRule(v any, values bool) string {
	if s, ok := v.(string); ok && !utf8.ValidString(s) {
		return RuleEncode
	}
	if values {
		return checkValue(v)
	}
	return ""
}

// close waits until every queued page is published and returns the
// first publish error.
func (e *emitter) close() error {
	close(e.pages)
	<-e.done
	return e.failed()
}

// maxCursorBytes bounds a checkpoint's cursor.
const maxCursorBytes = 64 << 10

// storableCursor reports whether the warehouse can store a cursor as it
// is: PostgreSQL text refuses NUL, and JSON would rewrite invalid UTF-8.
func storableCursor(c string) bool {
	return len(c) <= maxCursorBytes && utf8.ValidString(c) && !strings.ContainsRune(c, 0)
}
