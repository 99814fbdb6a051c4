package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tally-dev/tally/pipeline"
)

// Publish writes msgs to topic and returns once every message is
// acknowledged by all in-sync replicas. Messages with Partition >= 0 go
// to that partition (it must exist); the others go to the partition
// picked by a murmur2 hash of Key, the Java client's default, so a key
// always maps to the same partition for a given partition count. The
// order of messages bound for one partition is kept, also across
// concurrent calls.
//
// On error, some messages may have been written and others not; callers
// publish the whole batch again, which is harmless because records are
// keyed and versioned. When ctx is done before the acknowledgements
// arrive, Publish returns ctx.Err() and messages may still be written
// afterwards; msgs must not be modified in that case. Errors wrap
// pipeline.ErrTransient when a retry may succeed, ErrMessageTooLarge
// (pipeline.ErrInvalid) when a message is over a size limit, and never
// contain message keys or values.
func (l *Log) Publish(ctx context.Context, topic string, msgs []pipeline.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if err := l.checkPartitions(ctx, topic, msgs); err != nil {
		return err
	}
	if err := l.checkSizes(ctx, topic, msgs); err != nil {
		return err
	}
	kms := make([]kafkago.Message, len(msgs))
	for i, m := range msgs {
		p := m.Partition
		if p < 0 {
			p = -1
		}
		kms[i] = kafkago.Message{Topic: topic, Partition: p, Key: m.Key, Value: m.Value}
	}
	err := l.writer.WriteMessages(ctx, kms...)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("publishing to %s: %w", topic, ctx.Err())
	}
	return publishError(topic, len(msgs), l.brokerError(err))
}

// checkPartitions rejects explicit partitions the topic does not have;
// kafka-go would retry such a write until its attempts run out.
func (l *Log) checkPartitions(ctx context.Context, topic string, msgs []pipeline.Message) error {
	maxP := -1
	for _, m := range msgs {
		maxP = max(maxP, m.Partition)
	}
	if maxP < 0 {
		return nil
	}
	n, err := l.partitionCount(ctx, topic, false)
	if err != nil {
		return fmt.Errorf("publishing to %s: %w", topic, err)
	}
	if maxP >= n {
		return fmt.Errorf("publishing to %s: partition %d requested, topic has %d", topic, maxP, n)
	}
	return nil
}

// ErrMessageTooLarge is wrapped by Publish's error when a message is
// over the producer's or the broker's size limit. It wraps
// kafka-go's MessageSizeTooLarge and pipeline.ErrInvalid: the message,
// not the broker, is at fault, and publishing the others may succeed.
var ErrMessageTooLarge = fmt.Errorf("%w: %w", kafkago.MessageSizeTooLarge, pipeline.ErrInvalid)

// publishError summarizes a kafka-go write error without the messages
// some of its forms carry.
func publishError(topic string, total int, err error) error {
	var tooLarge kafkago.MessageTooLargeError
	if errors.As(err, &tooLarge) {
		return fmt.Errorf("publishing to %s: %w", topic, ErrMessageTooLarge)
	}
	cause := err
	var werrs kafkago.WriteErrors
	if errors.As(err, &werrs) {
		for _, e := range werrs {
			if errors.Is(e, kafkago.MessageSizeTooLarge) {
				return fmt.Errorf("publishing to %s: %d of %d messages refused: %w", topic, werrs.Count(), total, ErrMessageTooLarge)
			}
		}
		for _, e := range werrs {
			if e != nil {
				cause = e
				break
			}
		}
		cause = fmt.Errorf("%d of %d messages not acknowledged: %w", werrs.Count(), total, cause)
	}
	if errors.Is(cause, kafkago.MessageSizeTooLarge) {
		return fmt.Errorf("publishing to %s: %w", topic, ErrMessageTooLarge)
	}
	if isTransient(cause) {
		return fmt.Errorf("publishing to %s: %w: %w", topic, pipeline.ErrTransient, cause)
	}
	return fmt.Errorf("publishing to %s: %w", topic, cause)
}

// isTransient reports whether err is a broker or network failure that a
// later retry may get past.
func isTransient(err error) bool {
	var be *BrokerError
	if errors.As(err, &be) {
		return be.kind() == pipeline.ErrTransient
	}
	var kerr kafkago.Error
	if errors.As(err, &kerr) {
		return kerr.Temporary()
	}
	var nerr net.Error
	return errors.As(err, &nerr)
}

// balancer routes a message to its explicit partition when it has one
// (checkpoints, sent to every partition) and by key hash otherwise.
type balancer struct{}

// hash is consistent: a nil key always lands on the same partition, as
// an empty key does.
var hash = kafkago.Murmur2Balancer{Consistent: true}

func (balancer) Balance(msg kafkago.Message, partitions ...int) int {
	if msg.Partition >= 0 {
		return msg.Partition
	}
	return hash.Balance(msg, partitions...)
}
