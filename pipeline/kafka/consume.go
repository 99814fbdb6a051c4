package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tally-dev/tally/pipeline"
)

const (
	// joinGroupBackoff is the pause after a failed attempt to join the
	// group; kafka-go's default of 5s would delay recovery from a blip.
	joinGroupBackoff = time.Second
	// maxJoinFailures is how many attempts to join the group in a row
	// may fail before Consume gives up.
	maxJoinFailures = 10
)

// Consume reads topics as a member of the consumer group Config.GroupID
// until ctx is done, a handler fails or the group cannot be joined. The
// topics must exist (see EnsureTopic); Consume returns an error at once
// for one that does not, rather than wait for it.
//
// Each time the group hands this member its partitions (at the start and
// after every rebalance), Consume calls start once with all of them and
// begins each partition at the offset start returns, or at the earliest
// retained offset when start has none. A stored offset beyond the end of
// the partition (the broker lost data) starts at the end, one before the
// earliest retained offset (retention removed data) starts at the
// earliest; both are logged as warnings with the number of offsets
// skipped.
//
// Each partition is read on its own goroutine, in batches of up to
// Config.MaxBatch messages and about Config.MaxBatchBytes gathered for
// at most Config.MaxWait, and handed to handle one batch at a time;
// partitions are handled concurrently. After handle returns nil the
// next offset is committed to the group, for monitoring only. handle gets a context that carries
// ctx's values but is not cancelled with it, so that a batch in flight
// at shutdown or at a rebalance completes; handle bounds its own work.
//
// When ctx is done, Consume stops reading, waits for in-flight handle
// calls, leaves the group and returns nil. When handle fails, Consume
// stops the same way and returns that error, wrapped. A rebalance
// finishes the in-flight handle calls, then rejoins; a partition that
// moved to another member is read by that member from the offset its
// StartFunc returns.
func (l *Log) Consume(ctx context.Context, topics []string, start pipeline.StartFunc, handle pipeline.HandleFunc) error {
	return l.ConsumePipelined(ctx, topics, start, func(_ context.Context, tp pipeline.TopicPartition, msgs []pipeline.Message) (pipeline.CommitFunc, error) {
		return func(ctx context.Context) error { return handle(ctx, tp, msgs) }, nil
	})
}

// ConsumePipelined is Consume with the handler split in two (see
// pipeline.PipelinedLog): each partition's reader prepares its next batch
// while the partition's committer commits the previous one. Everything
// Consume says of handle holds for the CommitFuncs; prepare gets the
// same never-cancelled context.
func (l *Log) ConsumePipelined(ctx context.Context, topics []string, start pipeline.StartFunc, prepare pipeline.PrepareFunc) error {
	if len(topics) == 0 {
		return errors.New("consuming: no topics")
	}
	for _, t := range topics {
		if _, err := l.partitionCount(ctx, t, false); err != nil {
			return fmt.Errorf("consuming %s: %w", t, err)
		}
	}
	cg, err := kafkago.NewConsumerGroup(kafkago.ConsumerGroupConfig{
		ID:                l.cfg.GroupID,
		Brokers:           l.cfg.Brokers,
		Dialer:            l.dialer,
		Topics:            slices.Clone(topics),
		HeartbeatInterval: l.cfg.HeartbeatInterval,
		SessionTimeout:    l.cfg.SessionTimeout,
		RebalanceTimeout:  l.cfg.RebalanceTimeout,
		JoinGroupBackoff:  joinGroupBackoff,
		StartOffset:       kafkago.FirstOffset,
	})
	if err != nil {
		return fmt.Errorf("consuming group %s: %w", l.cfg.GroupID, err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := &consumer{
		log:     l,
		logger:  l.logger,
		start:   start,
		prepare: prepare,
		hctx:    context.WithoutCancel(ctx),
		cancel:  cancel,
	}
	c.run(runCtx, cg)
	// Close ends the generation, waits for the partition goroutines
	// (and so the in-flight handle calls) and leaves the group.
	cg.Close()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// consumer is the state of one Consume call.
type consumer struct {
	log     *Log
	logger  *slog.Logger
	start   pipeline.StartFunc
	prepare pipeline.PrepareFunc
	hctx    context.Context // for prepare and commit: never cancelled
	cancel  context.CancelFunc
	wg      sync.WaitGroup // partition goroutines

	mu  sync.Mutex
	err error // first failure
}

// fail records the first error that stops Consume and stops it.
func (c *consumer) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	c.cancel()
}

// run joins generation after generation until ctx is done.
func (c *consumer) run(ctx context.Context, cg *kafkago.ConsumerGroup) {
	failures := 0
	for ctx.Err() == nil {
		t0 := time.Now()
		gen, err := cg.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			// Wrong TLS settings or credentials do not heal: stop now.
			if err := c.log.brokerError(err); errors.Is(err, pipeline.ErrConfig) {
				c.fail(fmt.Errorf("joining consumer group %s: %w", c.log.cfg.GroupID, err))
				return
			}
			if !errors.Is(err, kafkago.RebalanceInProgress) {
				failures++
			}
			c.logger.Warn("joining consumer group", "component", component, "count", failures, "error", err)
			if failures >= maxJoinFailures {
				c.fail(fmt.Errorf("joining consumer group %s: %w: %w", c.log.cfg.GroupID, pipeline.ErrTransient, err))
				return
			}
			continue
		}
		failures = 0
		ended, err := c.startGeneration(ctx, gen, time.Since(t0))
		if err != nil {
			if ctx.Err() == nil {
				c.fail(err)
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-ended:
		}
	}
}

// startGeneration starts reading the partitions assigned in gen. The
// returned channel is closed when the generation ends.
func (c *consumer) startGeneration(ctx context.Context, gen *kafkago.Generation, joined time.Duration) (<-chan struct{}, error) {
	ended := make(chan struct{})
	c.log.assigned.set(gen.ID, assignedPartitions(gen)) // before end can run
	gen.Start(func(gctx context.Context) {
		<-gctx.Done()
		c.log.assigned.end(gen.ID)
		close(ended)
	})
	assigned := assignedPartitions(gen)
	c.logger.Info("joined consumer group", "component", component, "count", len(assigned), "duration", joined)
	if len(assigned) == 0 {
		return ended, nil
	}
	stored, err := c.start(ctx, slices.Clone(assigned))
	if err != nil {
		return nil, fmt.Errorf("reading stored offsets: %w", err)
	}
	bnds, err := c.log.offsetBounds(ctx, assigned)
	if err != nil {
		return nil, fmt.Errorf("consuming: %w: %w", pipeline.ErrTransient, err)
	}
	commits := newCommitter()
	gen.Start(func(gctx context.Context) { commits.run(gctx, gen, c.logger) })
	for _, tp := range assigned {
		off, ok := stored[tp]
		offset := c.startOffset(tp, off, ok, bnds[tp])
		c.wg.Add(1)
		gen.Start(func(gctx context.Context) {
			defer c.wg.Done()
			pctx, cancel := context.WithCancel(ctx)
			defer cancel()
			defer context.AfterFunc(gctx, cancel)()
			if err := c.readPartition(pctx, commits, tp, offset); err != nil {
				c.fail(err)
			}
			// Returning would end the generation and make kafka-go
			// rejoin; wait until it ends or Consume closes the group.
			<-gctx.Done()
		})
	}
	return ended, nil
}

// startOffset clamps a stored offset to the partition's bounds and logs
// why when it has to.
func (c *consumer) startOffset(tp pipeline.TopicPartition, stored int64, ok bool, b bounds) int64 {
	offset, clamped, lost := startAt(stored, ok, b)
	switch clamped {
	case clampEnd:
		c.logger.Warn("stored offset beyond the end of the partition, broker lost data; starting at the end",
			"component", component, "topic", tp.Topic, "partition", tp.Partition, "count", lost)
	case clampFirst:
		c.logger.Warn("stored offset before the earliest retained offset, retention removed unread messages; starting at the earliest",
			"component", component, "topic", tp.Topic, "partition", tp.Partition, "count", lost)
	}
	return offset
}

// assignedPartitions lists gen's partitions in topic, partition order.
func assignedPartitions(gen *kafkago.Generation) []pipeline.TopicPartition {
	var tps []pipeline.TopicPartition
	for topic, parts := range gen.Assignments {
		for _, p := range parts {
			tps = append(tps, pipeline.TopicPartition{Topic: topic, Partition: p.ID})
		}
	}
	slices.SortFunc(tps, func(a, b pipeline.TopicPartition) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return tps
}
