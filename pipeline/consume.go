package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// consumer is the running Log.Consume of a Runner.
type consumer struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	once   sync.Once
}

// stop cancels the consumer, waits for it and returns its error.
func (c *consumer) stop() error {
	c.once.Do(c.cancel)
	<-c.done
	return c.err
}

func (r *Runner) startConsumer(ctx context.Context) *consumer {
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c := &consumer{cancel: cancel, done: make(chan struct{})}
	r.out.halt = cctx.Done()
	go func() {
		defer close(c.done)
		// The consumer outlives ctx's cancellation only until stop: a
		// cancelled run still lets in-flight batches commit.
		stopOnDone := context.AfterFunc(ctx, cancel)
		defer stopOnDone()
		if err := r.consume(cctx); err != nil {
			c.err = fmt.Errorf("consuming: %w", err)
		}
	}()
	return c
}

// start gives the consumer the sink's stored offsets, riding out a
// warehouse outage.
func (r *Runner) start(ctx context.Context, assigned []TopicPartition) (map[TopicPartition]int64, error) {
	r.out.consumerUp(r.Logger)
	seen := map[string]bool{}
	var topics []string
	for _, tp := range assigned {
		if !seen[tp.Topic] {
			seen[tp.Topic] = true
			topics = append(topics, tp.Topic)
		}
	}
	return r.storedOffsets(ctx, topics)
}

// handle turns one partition batch into one sink transaction.
func (r *Runner) handle(ctx context.Context, tp TopicPartition, msgs []Message) error {
	commit, err := r.prepareBatch(ctx, tp, msgs)
	if err != nil {
		return err
	}
	return commit(ctx)
}

// batchCounts are a prepared batch's counts, added to its stream's Stats
// only once the batch commits: a batch prepared and dropped, or failing,
// counts nothing, so a replay never counts twice.
type batchCounts struct {
	consumed, dropped, seen, kept int64
}

// prepareBatch decodes msgs, runs the stages and returns the commit of
// the resulting batch (see PrepareFunc). It changes no state of r.
func (r *Runner) prepareBatch(ctx context.Context, tp TopicPartition, msgs []Message) (CommitFunc, error) {
	if len(msgs) == 0 {
		return func(context.Context) error { return nil }, nil
	}
	s, ok := r.byTopic[tp.Topic]
	if !ok {
		return nil, fmt.Errorf("message from unexpected topic %s", tp.Topic)
	}
	var n batchCounts
	b := &Batch{Offsets: map[TopicPartition]int64{tp: msgs[len(msgs)-1].Position.Offset + 1},
		Records: make([]Record, 0, len(msgs))}
	reject := func(stage string, err error, pos Position) {
		q := Quarantined{Tenant: s.Tenant, Source: s.Source, Object: s.Object, Stage: stage,
			Rule: "invalid", Position: pos, At: time.Now().UTC()}
		var fe *FieldError
		if errors.As(err, &fe) {
			q.Field, q.Rule = fe.Field, fe.Rule
		}
		b.Quarantine = append(b.Quarantine, q)
	}
	for _, m := range msgs {
		rec, cp, err := Decode(m)
		switch {
		case err != nil:
			reject("decode", err, m.Position)
			continue
		case cp != nil:
			if (Stream{cp.Tenant, cp.Source, cp.Object}) != s {
				reject("decode", Invalid("", "checkpoint_stream"), m.Position)
				continue
			}
			b.Checkpoints = append(b.Checkpoints, PartitionCheckpoint{Checkpoint: *cp, Partition: tp.Partition})
			continue
		case rec.Stream() != s:
			reject("decode", Invalid("", "record_stream"), m.Position)
			continue
		}
		n.consumed++
		if r.AllowTenant != nil && !r.AllowTenant(rec.Tenant) { // another region's tenant
			reject("residency", Invalid("", "region"), m.Position)
			continue
		}
		if rj := rec.Reject; rj != nil { // refused before publishing
			reject(rj.Stage, &FieldError{Field: rj.Field, Rule: rj.Rule, Kind: ErrInvalid}, m.Position)
			continue
		}
		if err := r.open(ctx, rec); err != nil {
			switch {
			case errors.Is(err, ErrDrop): // subject erased: its key is shredded
				n.dropped++
				continue
			case errors.Is(err, ErrInvalid):
				reject("shred", err, m.Position)
				continue
			}
			return nil, err
		}
		if r.CountPersonal != nil {
			n.seen += int64(r.CountPersonal(rec))
		}
		stage, err := Chain(r.Stages, rec)
		switch {
		case err == nil:
		case errors.Is(err, ErrDrop):
			n.dropped++
			continue
		case errors.Is(err, ErrInvalid):
			reject(stage, err, m.Position)
			continue
		default:
			return nil, fmt.Errorf("stage %s at %s/%d/%d: %w", stage, tp.Topic, tp.Partition, m.Position.Offset, err)
		}
		if r.CountPersonal != nil {
			n.kept += int64(r.CountPersonal(rec))
		}
		b.Records = append(b.Records, *rec)
	}
	return func(ctx context.Context) error { return r.commitBatch(ctx, tp.Topic, s, b, n) }, nil
}

// commitBatch writes a prepared batch and then counts it in Stats.
func (r *Runner) commitBatch(ctx context.Context, topic string, s Stream, b *Batch, n batchCounts) error {
	if c := r.inflight[topic]; c != nil {
		c.Add(1)
		defer c.Add(-1) // after the batch is counted in Stats
	}
	staged := len(b.Quarantine) // write counts the records it quarantines itself
	if err := r.write(ctx, b); err != nil {
		return err
	}
	st := r.Stats.Stream(s)
	st.Consumed.Add(n.consumed)
	st.Dropped.Add(n.dropped)
	st.PersonalSeen.Add(n.seen)
	st.PersonalKept.Add(n.kept)
	for _, q := range b.Quarantine[:staged] {
		st.AddQuarantine(q.Stage, q.Field, q.Rule)
	}
	var deleted int64
	for i := range b.Records {
		if b.Records[i].Op == OpDelete {
			deleted++
		}
	}
	st.Deleted.Add(deleted)
	st.Upserted.Add(int64(len(b.Records)) - deleted)
	if len(b.Checkpoints) > 0 {
		r.cpBell.ring() // wake emitters waiting for room (back-pressure)
	}
	select {
	case r.commits <- struct{}{}:
	default:
	}
	return nil
}

// drain waits until the sink's stored offsets reach the log's end
// offsets of topics, as they were when drain was called. Both reads ride
// out outages (see retry).
func (r *Runner) drain(ctx context.Context, topics []string, cons *consumer) error {
	end, err := r.endOffsets(ctx, topics)
	if err != nil {
		return fmt.Errorf("reading end offsets: %w", err)
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		stored, err := r.storedOffsets(ctx, topics)
		if err != nil {
			return fmt.Errorf("reading stored offsets: %w", err)
		}
		behind := false
		for tp, e := range end {
			if e > 0 && stored[tp] < e {
				behind = true
				break
			}
		}
		if !behind && r.counted(topics) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-cons.done:
			if cons.err != nil {
				return cons.err
			}
			return errors.New("consumer stopped before the log was drained")
		case <-r.commits:
		case <-tick.C:
		}
	}
}

// counted reports whether no batch of topics is between its commit and
// its count in Stats (see Runner.inflight).
func (r *Runner) counted(topics []string) bool {
	for _, t := range topics {
		if n := r.inflight[t]; n != nil && n.Load() > 0 {
			return false
		}
	}
	return true
}
