// Package csvfile is tally's CSV connector, for teams that export from
// any CRM: a pipeline.Source that streams rows of a local file, or of
// every *.csv file of a directory in name order, onto one canonical
// object through a header mapping.
//
// Rows are read with encoding/csv, one at a time; a file is never loaded
// whole. Only mapped columns whose canonical field is in the projection
// are put into records: every other column, whatever it holds, never
// leaves the reader. Values are typed by the canonical schema (number,
// bool, time by the configured time_format, string); a value that does
// not parse is passed on as its raw string so that the validate stage
// quarantines the record by field and rule. A row that is not CSV at all
// (a stray quote, a wrong number of fields) becomes a record without an
// id, which validate rejects, and a log line naming the file and line
// number, never the content. A deleted_column that holds true makes the
// row a delete.
//
// The cursor is the file name and the byte offset after the last emitted
// row, with the file's size, modification time and a checksum of the
// bytes before the offset: a killed run resumes mid-file, a later pass
// reads only the rows appended since, and a file replaced by another is
// read again from its start. Files are opened read-only; there is no
// HTTP, so the read-only allow-list does not apply.
//
// Register it with Factory; package csvfiletest generates export files
// for tests and the demo.
package csvfile
