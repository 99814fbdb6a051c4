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

// readPartition reads tp from offset and hands batches to handle until
// ctx is done (it returns nil) or reading or handle fails.
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
	for {
		msgs, err := c.fetch(ctx, r)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s partition %d: %w", tp.Topic, tp.Partition, err)
		}
		t0 := time.Now()
		if err := c.handle(c.hctx, tp, msgs); err != nil {
			return fmt.Errorf("handling %s partition %d: %w", tp.Topic, tp.Partition, err)
		}
		c.logger.Debug("handled batch", "component", component, "topic", tp.Topic,
			"partition", tp.Partition, "count", len(msgs), "duration", time.Since(t0))
		commits.set(tp, msgs[len(msgs)-1].Position.Offset+1)
	}
}

// fetch waits for the next message, then gathers more until the batch
// is full or MaxWait has passed since the first one. A batch interrupted
// by ctx is dropped: it was not handed on, so it is read again later.
func (c *consumer) fetch(ctx context.Context, r *kafkago.Reader) ([]pipeline.Message, error) {
	m, err := r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	maxBatch := c.log.cfg.MaxBatch
	msgs := make([]pipeline.Message, 0, min(maxBatch, 256))
	msgs = append(msgs, message(m))
	if maxBatch == 1 {
		return msgs, nil
	}
	bctx, cancel := context.WithTimeout(ctx, c.log.cfg.MaxWait)
	defer cancel()
	for len(msgs) < maxBatch {
		m, err := r.FetchMessage(bctx)
		if err != nil {
			if bctx.Err() != nil {
				return msgs, ctx.Err()
			}
			return nil, err
		}
		msgs = append(msgs, message(m))
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
