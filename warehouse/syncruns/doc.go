// Package syncruns stores and reads the evidence of sync passes: one row
// of sync_runs per pass and stream (migration 0007) with when it ran,
// how it ended (ok, stopped, quota, outage), its counts, the kind of
// error it stopped with and how old the stream's stored checkpoint was.
// A row names an error's kind, never its message, and holds no record
// value. Rows expire under retention.evidence and go with their tenant
// at termination (the warehouse's purge registry lists the table).
//
// Record writes the rows of a pipeline.PassReport; Latest reads the
// newest row of every stream for `tally status`.
package syncruns
