package pipeline

import (
	"context"
	"sync"
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
// page is a queued page: its messages and how many are records.
type page struct {
	msgs    []Message
	records int
}

type emitter struct {
	r     *Runner
	s     Stream
	t     topic
	pages chan page
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

func (r *Runner) newEmitter(ctx context.Context, s Stream, t topic) *emitter {
	e := &emitter{r: r, s: s, t: t, pages: make(chan page, emitQueue), done: make(chan struct{})}
	go e.publish(ctx)
	return e
}

func (e *emitter) publish(ctx context.Context) {
	defer close(e.done)
	for p := range e.pages {
		if e.failed() != nil {
			continue // drain the queue
		}
		if err := e.r.Log.Publish(ctx, e.t.name, p.msgs); err != nil {
			e.mu.Lock()
			e.err = err
			e.mu.Unlock()
			continue
		}
		e.r.Stats.Stream(e.s).Pulled.Add(int64(p.records))
	}
}

func (e *emitter) failed() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// Emit encodes a page and its checkpoint and queues them.
func (e *emitter) Emit(ctx context.Context, recs []Record, cursor string) error {
	if err := e.failed(); err != nil {
		return err
	}
	for i := range recs {
		// A connector writes only into its own stream.
		recs[i].Tenant, recs[i].Source, recs[i].Object = e.s.Tenant, e.s.Source, e.s.Object
	}
	if e.r.Shredder != nil {
		if err := e.r.seal(ctx, recs); err != nil {
			return err
		}
	}
	msgs := make([]Message, 0, len(recs)+e.t.partitions)
	for i := range recs {
		m, err := EncodeRecord(&recs[i])
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	if cursor != "" {
		cp := Checkpoint{Tenant: e.s.Tenant, Source: e.s.Source, Object: e.s.Object, Seq: e.r.nextSeq(), Cursor: cursor}
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
	select {
	case <-ctx.Done():
		return ctx.Err()
	case e.pages <- page{msgs: msgs, records: len(recs)}:
		return nil
	}
}

// close waits until every queued page is published and returns the
// first publish error.
func (e *emitter) close() error {
	close(e.pages)
	<-e.done
	return e.failed()
}
