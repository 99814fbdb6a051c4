package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// preparedRunner is a runner of one stream on topic "t", with its
// messages: n records, the last followed by a checkpoint.
func preparedRunner(t *testing.T, sink Sink, n int) (*Runner, Stream, []Message) {
	t.Helper()
	r, _ := testRunner(sink, time.Nanosecond) // gives up at the first outage
	s := Stream{"a", "s", "deal"}
	r.byTopic = map[string]Stream{"t": s}
	r.inflight = map[string]*atomic.Int64{"t": new(atomic.Int64)}
	r.commits = make(chan struct{}, 1)
	var msgs []Message
	for i := range n {
		m, err := EncodeRecord(&Record{Tenant: "a", Source: "s", Object: "deal", ID: fmt.Sprint(i), Op: OpUpsert, Version: time.Unix(1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	cp, err := EncodeCheckpoint(Checkpoint{Tenant: "a", Source: "s", Object: "deal", Seq: 1, Cursor: "c"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs = append(msgs, cp)
	for i := range msgs {
		msgs[i].Position = Position{Topic: "t", Offset: int64(i)}
	}
	return r, s, msgs
}

// TestPreparedBatchCountsOnlyWhenCommitted: preparing a batch changes no
// count; its commit adds them all; a batch whose commit fails, or that
// is dropped after preparing, counts nothing (it is read again).
func TestPreparedBatchCountsOnlyWhenCommitted(t *testing.T) {
	sink := &fakeSink{}
	r, s, msgs := preparedRunner(t, sink, 5)
	ctx := context.Background()
	commit, err := r.prepareBatch(ctx, TopicPartition{Topic: "t"}, msgs)
	if err != nil {
		t.Fatalf("prepareBatch() = %v", err)
	}
	if _, err := r.prepareBatch(ctx, TopicPartition{Topic: "t"}, msgs); err != nil { // dropped
		t.Fatalf("prepareBatch() = %v", err)
	}
	if c := r.Stats.Stream(s); c.Consumed.Load() != 0 || c.Upserted.Load() != 0 || len(sink.writes) != 0 {
		t.Fatalf("after prepare: consumed %d, upserted %d, %d writes; want nothing", c.Consumed.Load(), c.Upserted.Load(), len(sink.writes))
	}
	if err := commit(ctx); err != nil {
		t.Fatalf("commit() = %v", err)
	}
	c := r.Stats.Stream(s)
	if c.Consumed.Load() != 5 || c.Upserted.Load() != 5 || len(sink.writes) != 1 || sink.writes[0].Offsets[TopicPartition{Topic: "t"}] != 6 {
		t.Errorf("after commit: consumed %d, upserted %d, writes %+v; want 5, 5 and one write to offset 6",
			c.Consumed.Load(), c.Upserted.Load(), sink.writes)
	}
	if n := r.inflight["t"].Load(); n != 0 {
		t.Errorf("inflight = %d after the commit, want 0", n)
	}

	failing := &fakeSink{down: errors.New("permission denied")}
	r, s, msgs = preparedRunner(t, failing, 3)
	commit, err = r.prepareBatch(ctx, TopicPartition{Topic: "t"}, msgs)
	if err != nil {
		t.Fatalf("prepareBatch() = %v", err)
	}
	if err := commit(ctx); err == nil {
		t.Fatal("commit() on a failing sink = nil, want an error")
	}
	if c := r.Stats.Stream(s); c.Consumed.Load() != 0 || c.Upserted.Load() != 0 || r.inflight["t"].Load() != 0 {
		t.Errorf("after a failed commit: consumed %d, upserted %d, inflight %d; want 0, 0, 0",
			c.Consumed.Load(), c.Upserted.Load(), r.inflight["t"].Load())
	}
}
