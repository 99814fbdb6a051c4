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
// Hard deletes that no sync pass can see are found by Runner.Reconcile,
// from three optional interfaces: IDLister (sources), KeyMapper (the
// stage that makes record keys) and KeyLister (the sink).
package pipeline
