// Package pipeline holds the contracts every part of tally is written
// against: the Record that flows from a CRM connector through Kafka and
// the transform stages into the warehouse, the Source, Stage and Sink
// interfaces, the Log abstraction over Kafka, the error kinds, the
// component registry and the Runner that wires them together.
//
// The package imports only the standard library, so that connectors,
// transforms and sinks depend on it and never on each other. A test in
// the module root enforces this direction.
//
// Delivery semantics: the Sink's transaction is the single commit point.
// Facts, KPI deltas, consumer offsets and connector cursors commit
// together; on restart the consumer seeks to the stored offsets and each
// connector resumes from its stored cursor. Replays are harmless because
// fact writes are keyed and versioned.
//
// Poison records: a record the codec or the broker would refuse
// (Preflight, or the broker's size limit) is replaced in its page by a
// reject stub that carries its stream, id and rejection but no value;
// the consumer quarantines the stub in the same transaction as the
// page's good records and checkpoint. Every pass ends with a PassReport
// and one summary log line per stream.
//
// Hard deletes that no sync pass can see are found by Runner.Reconcile,
// from three optional interfaces: IDLister (sources), KeyMapper (the
// stage that makes record keys) and KeyLister (the sink).
package pipeline
