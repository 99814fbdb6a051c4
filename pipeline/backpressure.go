package pipeline

import (
	"context"
	"sync"
	"time"
)

// DefaultAhead is how many pages (checkpoints) a connector may publish
// ahead of the checkpoints the warehouse has committed for its stream
// when Runner.Ahead is zero.
//
// A page counts as committed only once its checkpoint is stored on every
// partition of the topic, and each partition's consumer prepares one
// batch while the one before commits. At 4 pages a 1,000-row CSV page
// run left each of 4 partitions about one batch of work: the consumer
// could not overlap, and `make bench-e2e-csv` (200k rows) ran at 17.8k
// records/s against 21.3k at 16 and 21.5k at 32 (BENCHMARKS.md). 16
// pages is what a crash makes the next holder re-pull at most: 16
// requests for a CRM of 100-record pages.
const DefaultAhead = 16

// aheadPoll is how often a blocked emitter re-reads the stored cursor
// when no local commit wakes it: the partitions it waits for may be
// consumed by another process of the fleet.
const aheadPoll = 200 * time.Millisecond

// Back-pressure. A connector's pages are only as safe as the checkpoint
// the warehouse stored for them: when a lease holder dies, its
// checkpoints still in the log are refused by fencing, and the next
// holder resumes from the stored cursor. So the emitter runs at most
// Runner.Ahead checkpointed pages ahead of the stored cursor: before
// queueing a page with a cursor, while Ahead earlier pages of the pass
// are not committed, it waits.
//
// "Committed" means the sink's resume cursor (Sink.Cursor: the
// lowest-Seq checkpoint over every partition of the topic) has reached
// the page's cursor, i.e. the page's checkpoint is stored on all
// partitions, whichever process consumes them. That is what a new
// holder resumes from, so it bounds re-pulls after a SIGKILL to about
// Ahead pages plus the page in flight. Pages without a cursor carry no
// checkpoint and never wait. A checkpoint refused by fencing means this
// process lost the lease, which cancels ctx; a stopped consumer (nobody
// left to commit) lifts the limit for the rest of the pass; a warehouse
// outage keeps the emitter waiting, which is the point.

// commitBell wakes blocked emitters after a batch with checkpoints
// commits. The zero value is ready.
type commitBell struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed by the next ring.
func (b *commitBell) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *commitBell) ring() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// ahead returns the page limit of an emitter; 0 is unlimited.
func (r *Runner) ahead() int {
	switch {
	case r.Sink == nil || r.Ahead < 0:
		return 0
	case r.Ahead == 0:
		return DefaultAhead
	}
	return r.Ahead
}

// awaitRoom blocks until fewer than e.ahead of the pass's checkpointed
// pages are uncommitted, ctx is done (its error is returned) or the
// consumer stops.
func (e *emitter) awaitRoom(ctx context.Context) error {
	for e.ahead > 0 && len(e.pending) >= e.ahead {
		wake := e.r.cpBell.wait() // before reading, so no ring is missed
		if c, err := e.r.Sink.Cursor(ctx, e.s, e.t.partitions); err == nil {
			e.settle(c)
			if len(e.pending) < e.ahead {
				return nil
			}
		} // an error (an outage): keep waiting, ctx decides
		t := time.NewTimer(aheadPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-e.halt:
			e.ahead = 0 // nobody left to commit: no limit
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
	return nil
}

// settle drops the pending pages up to the last one whose cursor is
// the stored cursor c.
func (e *emitter) settle(c string) {
	for j := len(e.pending) - 1; j >= 0; j-- {
		if e.pending[j] == c {
			e.pending = e.pending[j+1:]
			return
		}
	}
}
