package config

// Defaults of the consumer's batches and of the raw topics' partitions
// (issue 12): several partitions commit to the warehouse concurrently,
// and leave room for a few 'tally run' processes to share them.
const (
	DefaultPartitions   = 4
	DefaultBatchRecords = 1000
	DefaultBatchBytes   = 4 << 20
)

// Bounds of kafka.batch_records and kafka.batch_bytes.
const (
	maxBatchRecords = 100_000
	minBatchBytes   = 1 << 10
	maxBatchBytes   = 256 << 20
)

func (f *File) validateBatches(add func(int, string, ...any)) {
	k := f.Kafka
	if k.BatchRecords < 1 || k.BatchRecords > maxBatchRecords {
		add(k.Line, "kafka.batch_records: %d is out of range 1-%d", k.BatchRecords, maxBatchRecords)
	}
	if k.BatchBytes < minBatchBytes || k.BatchBytes > maxBatchBytes {
		add(k.Line, "kafka.batch_bytes: %d is out of range %d-%d", k.BatchBytes, minBatchBytes, maxBatchBytes)
	}
}
