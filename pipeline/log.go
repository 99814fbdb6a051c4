package pipeline

import (
	"context"
	"time"
)

// Message is one message of the log (Kafka).
type Message struct {
	Key   []byte
	Value []byte
	// Partition routes a published message to one partition when it is
	// >= 0; a negative Partition routes by a hash of Key. On read it is
	// the partition the message came from (see Position).
	Partition int
	// Position is set on read.
	Position Position
	// Time is the broker timestamp, set on read.
	Time time.Time
}

// TopicSpec describes a topic tally creates.
type TopicSpec struct {
	Name       string
	Partitions int
	// Retention is the topic's retention.ms; raw topics keep personal
	// data, so it is short.
	Retention time.Duration
}

// StartFunc tells a consumer where to begin reading its assigned
// partitions: it returns the next offset to read for those that have
// one; the others start at the earliest retained offset.
type StartFunc func(ctx context.Context, assigned []TopicPartition) (map[TopicPartition]int64, error)

// HandleFunc processes messages of one partition, in offset order. The
// consumer calls it with at most one batch per partition at a time, and
// for different partitions concurrently. When it returns nil, the batch
// is committed (the offsets are stored by the sink); an error stops
// Consume.
type HandleFunc func(ctx context.Context, tp TopicPartition, msgs []Message) error

// Log is the durable, partitioned log between connectors and stages.
//
// Publish blocks until every message is acknowledged, and keeps the order
// of messages that go to the same partition. Its error wraps ErrInvalid
// when the log refuses a message for what it is (over the broker's size
// limit): publishing the other messages may succeed. Consume blocks, reading as
// a member of the configured consumer group until ctx is done (then it
// returns nil after the in-flight handler calls return) or a handler or
// the broker fails. Offsets committed to the broker are informational;
// the sink's stored offsets decide where reading resumes (StartFunc).
// All methods may be called concurrently.
type Log interface {
	// EnsureTopic creates the topic if it does not exist and returns its
	// partition count.
	EnsureTopic(ctx context.Context, spec TopicSpec) (partitions int, err error)
	Publish(ctx context.Context, topic string, msgs []Message) error
	// EndOffsets returns, for every partition of topics, the offset the
	// next published message will get.
	EndOffsets(ctx context.Context, topics []string) (map[TopicPartition]int64, error)
	Consume(ctx context.Context, topics []string, start StartFunc, handle HandleFunc) error
	Close() error
}

// TopicName is the raw topic of a stream: prefix.tenant.source.object.
func TopicName(prefix string, s Stream) string {
	return prefix + "." + s.Tenant + "." + s.Source + "." + s.Object
}
