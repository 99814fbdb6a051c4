// Package cursors inspects and resets the connector cursors (the
// checkpoints in sync_cursors) stored in the warehouse, for `tally
// reset`: after a fix to a connector's configuration, clearing a
// stream's cursor makes the next sync pass pull the stream again from
// its start. That is safe because facts are versioned upserts keyed by
// record pseudonym: a record read again replaces its fact only if it is
// newer, and KPI rollups follow the facts in the same transaction.
//
// Inspect reports per stream how many partitions have a checkpoint and
// when they were committed, never a cursor's content (vendors put
// record values in cursors). Reset clears them in one transaction and
// records a row in reset_runs (evidence, expiring under
// retention.evidence). It refuses while a tally run process holds the
// warehouse's writer lock (ErrWritersRunning) and for a terminated
// tenant (ErrTerminated).
//
// A cleared checkpoint keeps its row, with an empty cursor and a Seq
// watermark above every Seq stored before: the warehouse's checkpoint
// upsert never lowers a Seq, so a checkpoint of a pass that was still
// in flight when the reset committed cannot bring an old cursor back.
package cursors
