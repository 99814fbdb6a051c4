package warehouse

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// writerLockClass is the first key of the session advisory lock that
// pipeline writers hold shared and a rekey holds exclusive ("writ"); the
// second key is a hash of the schema.
const writerLockClass = 0x77726974

// ErrWritersRunning means a rekey found a pipeline writer (tally run)
// holding the writer lock of the warehouse.
var ErrWritersRunning = errors.New("a tally run process is writing to this warehouse (it holds the writer lock); stop it, then rekey")

// ErrRekeyRunning means a writer found a rekey holding the writer lock.
var ErrRekeyRunning = errors.New("a key rekey is running on this warehouse; start tally run when it has finished")

// HoldWriterLock takes the writer lock shared, for a process that
// pseudonymizes and writes records (tally run): any number of writers
// hold it together, a rekey (which needs every writer stopped) holds it
// alone. It fails with ErrRekeyRunning while a rekey runs. The returned
// func releases the lock; the lock also ends with the process. On
// PostgreSQL it is a session advisory lock per schema, on SQLite an
// flock of "<path>.writers".
func (w *Warehouse) HoldWriterLock(ctx context.Context) (release func(), err error) {
	release, ok, err := w.lockWriters(ctx, true)
	if err == nil && !ok {
		err = ErrRekeyRunning
	}
	return release, err
}

// lockWriters tries to take the writer lock, shared or exclusive.
func (w *Warehouse) lockWriters(ctx context.Context, shared bool) (release func(), ok bool, err error) {
	if w.d.name != Postgres {
		return lockFile(w.cfg.Path+".writers", shared)
	}
	return w.tryAdvisoryLock(ctx, writerLockClass, shared)
}

// tryAdvisoryLock takes a session advisory lock (class, hash of the
// current schema) on a connection of its own, without waiting, and
// returns the func that releases it and returns the connection.
func (w *Warehouse) tryAdvisoryLock(ctx context.Context, class int, shared bool) (release func(), ok bool, err error) {
	try, unlock := "pg_try_advisory_lock", "pg_advisory_unlock"
	if shared {
		try, unlock = try+"_shared", unlock+"_shared"
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("taking advisory lock: %w", redact(err))
	}
	if err := conn.QueryRowContext(ctx, "SELECT "+try+"($1, hashtext(current_schema()))", class).Scan(&ok); err != nil || !ok {
		conn.Close()
		if err != nil {
			return nil, false, fmt.Errorf("taking advisory lock: %w", redact(err))
		}
		return nil, false, nil
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// Closing the connection would release the lock too, but the
		// pool keeps it open.
		if _, err := conn.ExecContext(ctx, "SELECT "+unlock+"($1, hashtext(current_schema()))", class); err != nil {
			w.log.Warn("releasing advisory lock", "component", "warehouse", "error", redact(err))
		}
		conn.Close()
	}, true, nil
}
