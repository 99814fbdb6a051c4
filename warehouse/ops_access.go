package warehouse

import (
	"context"
	"time"
)

// This file is the narrow access that the operations packages
// (warehouse/quarantine, warehouse/cursors) get to the warehouse beyond
// DB, Driver and Policy: how the dialect encodes and returns instants,
// driver error redaction and the exclusive writer lock. It adds no
// behaviour of its own.

// TimeArg encodes an instant as a statement argument the way this
// warehouse's dialect stores it (timestamptz on PostgreSQL, fixed-width
// UTC text on SQLite, which orders as text).
func (w *Warehouse) TimeArg(t time.Time) any { return w.d.timeArg(t) }

// ScanTime reads a date or timestamp as either driver returns it,
// aggregates (min, max) included.
func ScanTime(v any) (time.Time, error) { return dbTime(v) }

// Redact converts a driver error into a *DBError that names the SQL
// state, table, column and constraint but never a row value; other
// errors pass unchanged. Use it on errors of statements run on DB().
func Redact(err error) error { return redact(err) }

// LockWritersExclusive takes the writer lock alone, without waiting,
// for an operation that needs every tally run on this warehouse stopped
// (a rekey, a cursor reset). ok is false while a writer holds it shared.
// The returned func releases it; the lock also ends with the process.
func (w *Warehouse) LockWritersExclusive(ctx context.Context) (release func(), ok bool, err error) {
	return w.lockWriters(ctx, false)
}
