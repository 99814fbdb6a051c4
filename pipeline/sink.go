package pipeline

import (
	"context"
	"time"
)

// Quarantined describes a record that a stage rejected. It names the
// stage, field and rule and where the raw message sits in the log, never a
// value, so the record can be inspected from the raw topic while it is
// retained and nothing personal is copied.
type Quarantined struct {
	Tenant   string
	Source   string
	Object   string
	Stage    string
	Field    string
	Rule     string
	Position Position
	At       time.Time
}

// PartitionCheckpoint is a checkpoint as read from one partition.
type PartitionCheckpoint struct {
	Checkpoint
	Partition int
}

// Batch is what one sink transaction commits.
type Batch struct {
	// Records are transformed, keyed records (upserts and deletes).
	Records []Record
	// Quarantine lists rejected records.
	Quarantine []Quarantined
	// Offsets are the next offsets to read, per partition consumed.
	Offsets map[TopicPartition]int64
	// Checkpoints are the connector checkpoints read in this batch; the
	// last one per (stream, partition) is stored.
	Checkpoints []PartitionCheckpoint
}

// Sink is the warehouse side of the pipeline and its single commit point.
//
// Write commits the whole batch in one transaction or nothing: facts (an
// older version never replaces a newer one; a delete removes the fact),
// KPI rollups changed by each fact's delta, quarantine entries, offsets
// and checkpoints. It blocks until committed or failed, and honours ctx.
// Write may be called from several goroutines at once with batches of
// different partitions.
//
// Offsets and Cursor read the committed state; the consumer seeks to
// Offsets on start and connectors resume from Cursor.
type Sink interface {
	Write(ctx context.Context, b Batch) error
	// Offsets returns the stored next offset of every partition of topics
	// that has one.
	Offsets(ctx context.Context, topics []string) (map[TopicPartition]int64, error)
	// Cursor returns the resume cursor of a stream: the cursor of the
	// lowest-Seq checkpoint stored for any of its topic's partitions, or
	// "" when partitions is more than the partitions with a checkpoint.
	Cursor(ctx context.Context, s Stream, partitions int) (string, error)
	Close() error
}
