package config

import "time"

// Defaults of the consumer's batches and of the raw topics' partitions
// (issue 12): several partitions commit to the warehouse concurrently,
// and leave room for a few 'tally run' processes to share them.
const (
	DefaultPartitions   = 4
	DefaultBatchRecords = 1000
	DefaultBatchBytes   = 4 << 20
	DefaultBatchWait    = 50 * time.Millisecond
)

// Bounds of kafka.batch_records, kafka.batch_bytes and kafka.batch_wait.
const (
	maxBatchRecords = 100_000
	minBatchBytes   = 1 << 10
	maxBatchBytes   = 256 << 20
	minBatchWait    = time.Millisecond
	maxBatchWait    = 10 * time.Second
)

func (f *File) validateBatches(add func(int, string, ...any)) {
	k := f.Kafka
	if k.BatchRecords < 1 || k.BatchRecords > maxBatchRecords {
		add(k.Line, "kafka.batch_records: %d is out of range 1-%d", k.BatchRecords, maxBatchRecords)
	}
	if k.BatchBytes < minBatchBytes || k.BatchBytes > maxBatchBytes {
		add(k.Line, "kafka.batch_bytes: %d is out of range %d-%d", k.BatchBytes, minBatchBytes, maxBatchBytes)
	}
	if d := time.Duration(k.BatchWait); d < minBatchWait || d > maxBatchWait {
		add(k.Line, "kafka.batch_wait: %s is out of range %s-%s", d, minBatchWait, maxBatchWait)
	}
}
