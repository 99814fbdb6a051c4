package kafka

import (
	"context"
	"fmt"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tally-dev/tally/pipeline"
)

const (
	// fetchMaxBytes bounds one fetch response of a partition reader.
	fetchMaxBytes = 1 << 20
	// fetchMaxWait is how long the broker holds a fetch open when there
	// is nothing to read; it also bounds how long closing a reader
	// takes.
	fetchMaxWait = 500 * time.Millisecond
)

// step is a prepared batch on its way from a partition's reader to its
// committer.
type step struct {
	commit pipeline.CommitFunc
	count  int
	next   int64 // the offset after the batch
}

// readPartition reads tp from offset until ctx is done (it returns nil)
// or reading, preparing or committing fails. The reader prepares batch
// n+1 while a committer goroutine commits batch n: the hand-over is
// unbuffered, so at most one prepared batch waits. A commit failure
// stops the reader, and the batch it prepared is never committed.
func (c *consumer) readPartition(ctx context.Context, commits *committer, tp pipeline.TopicPartition, offset int64) error {
	r := kafkago.NewReader(kafkago.ReaderConfig{
		Brokers:       c.log.cfg.Brokers,
		Topic:         tp.Topic,
		Partition:     tp.Partition,
		Dialer:        c.log.dialer,
		QueueCapacity: 2 * c.log.cfg.MaxBatch,
		MinBytes:      1,
		MaxBytes:      fetchMaxBytes,
		MaxWait:       fetchMaxWait,
		ErrorLogger:   clientErrorLogger(c.logger.With("topic", tp.Topic, "partition", tp.Partition)),
	})
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		return fmt.Errorf("reading %s partition %d: %w", tp.Topic, tp.Partition, err)
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	steps := make(chan step)
	var commitErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if commitErr = c.commitSteps(tp, steps, commits); commitErr != nil {
			stop()
		}
	}()
	err := c.prepareSteps(rctx, r, tp, steps)
	close(steps)
	<-done
	if commitErr != nil {
		return commitErr
	}
	return err
}

// prepareSteps fetches and prepares batches and hands them to the
// committer until ctx is done (it returns nil) or a fetch or prepare
// fails.
func (c *consumer) prepareSteps(ctx context.Context, r *kafkago.Reader, tp pipeline.TopicPartition, steps chan<- step) error {
	for {
		msgs, err := c.fetch(ctx, r)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s partition %d: %w", tp.Topic, tp.Partition, err)
		}
		commit, err := c.prepare(c.hctx, tp, msgs)
		if err != nil {
			return fmt.Errorf("handling %s partition %d: %w", tp.Topic, tp.Partition, err)
		}
		select {
		case steps <- step{commit: commit, count: len(msgs), next: msgs[len(msgs)-1].Position.Offset + 1}:
		case <-ctx.Done():
			return nil // dropped: read again from the stored offset
		}
	}
}

// commitSteps commits the prepared batches in order until steps closes
// or a commit fails.
func (c *consumer) commitSteps(tp pipeline.TopicPartition, steps <-chan step, commits *committer) error {
	for s := range steps {
		t0 := time.Now()
		if err := s.commit(c.hctx); err != nil {
			return fmt.Errorf("handling %s partition %d: %w", tp.Topic, tp.Partition, err)
		}
		c.logger.Debug("handled batch", "component", component, "topic", tp.Topic,
			"partition", tp.Partition, "count", s.count, "duration", time.Since(t0))
		commits.set(tp, s.next)
	}
	return nil
}

// fetch waits for the next message, then gathers more until the batch
// holds MaxBatch messages or MaxBatchBytes of keys and values (the
// message that reaches the byte limit is the batch's last), or MaxWait
// has passed since the first one. A batch interrupted by ctx is dropped:
// it was not handed on, so it is read again later.
func (c *consumer) fetch(ctx context.Context, r *kafkago.Reader) ([]pipeline.Message, error) {
	m, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	maxBatch, maxBytes := c.log.cfg.MaxBatch, c.log.cfg.MaxBatchBytes
	msgs := make([]pipeline.Message, 0, min(maxBatch, 256))
	msgs = append(msgs, message(m))
	size := len(m.Key) + len(m.Value)
	if maxBatch == 1 || size >= maxBytes {
		return msgs, nil
	}
	bctx, cancel := context.WithTimeout(ctx, c.log.cfg.MaxWait)
	defer cancel()
	for len(msgs) < maxBatch && size < maxBytes {
		m, err := r.FetchMessage(bctx)
		if err != nil {
			if bctx.Err() != nil {
				return msgs, ctx.Err()
			}
			return nil, err
		}
		msgs = append(msgs, message(m))
		size += len(m.Key) + len(m.Value)
	}
	return msgs, nil
}

// message converts a message read by kafka-go.
func message(m kafkago.Message) pipeline.Message {
	return pipeline.Message{
		Key:       m.Key,
		Value:     m.Value,
		Partition: m.Partition,
		Position:  pipeline.Position{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset},
		Time:      m.Time,
	}
}
