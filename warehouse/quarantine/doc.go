// Package quarantine reads the warehouse's quarantine table for
// operators: the rejected records, newest first (List), and their counts
// grouped by tenant, connector, object, stage, field and rule (Stats).
//
// The quarantine table holds where a rejected record sits in the raw
// log (topic, partition, offset) and why it was rejected (stage, field,
// rule), never a value; this package reads only those columns, so
// nothing it returns can hold a personal value. It works on PostgreSQL
// and SQLite through warehouse.Warehouse's DB, TimeArg and ScanTime, and
// redacts driver errors with warehouse.Redact.
package quarantine
