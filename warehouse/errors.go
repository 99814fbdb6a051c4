package warehouse

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tally-dev/tally/pipeline"
)

// DBError is a database error stripped of everything that may hold a row
// value: PostgreSQL's message and detail (a unique violation echoes the
// conflicting key) are dropped, only the SQL state and the names of the
// table, column and constraint survive.
//
// It unwraps to its kind: pipeline.ErrTransient when retrying may help
// (lost connection, server shutting down or starting up, serialization
// failure, deadlock, lock timeout, out of resources); a
// *pipeline.FieldError of kind pipeline.ErrInvalid for data errors that a
// record's value causes (SQLSTATE classes 22 and 23; SQLite constraint,
// too big and mismatch), naming the column if known and the rule
// "sql_<state>"; pipeline.ErrConfig for errors of the setup (missing
// privilege, table or schema, bad credentials); nothing otherwise.
type DBError struct {
	// Code is the PostgreSQL SQLSTATE ("23505") or the SQLite extended
	// result code ("sqlite 2067").
	Code string
	// Name is the condition name ("unique_violation") or, for SQLite,
	// its message, which names tables and columns but never values.
	Name       string
	Table      string
	Column     string
	Constraint string
	kind       error
}

func (e *DBError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sql state %s (%s)", e.Code, e.Name)
	for _, kv := range [][2]string{{"table", e.Table}, {"column", e.Column}, {"constraint", e.Constraint}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s %s", kv[0], kv[1])
		}
	}
	return b.String()
}

// Unwrap returns the error's kind (see DBError).
func (e *DBError) Unwrap() error {
	if e.kind == pipeline.ErrInvalid {
		return &pipeline.FieldError{Field: e.Column, Rule: e.Rule(), Kind: pipeline.ErrInvalid}
	}
	return e.kind
}

// Rule names the error for a quarantine row: "sql_22021" on PostgreSQL,
// "sqlite_2067" on SQLite.
func (e *DBError) Rule() string {
	if code, ok := strings.CutPrefix(e.Code, "sqlite "); ok {
		return "sqlite_" + code
	}
	return "sql_" + e.Code
}

// Transient reports whether retrying may help.
func (e *DBError) Transient() bool { return e.kind == pipeline.ErrTransient }

// pgKind classifies a SQLSTATE.
func pgKind(code pq.ErrorCode) error {
	switch code.Class() {
	case "22", "23": // data exception, integrity constraint violation
		return pipeline.ErrInvalid
	case "08", "40", "53", "57", "58": // connection, rollback, resources, operator intervention, system
		return pipeline.ErrTransient
	case "28", "3D", "3F", "42": // authorization, missing database or schema, access rule / undefined object
		return pipeline.ErrConfig
	}
	if code == "55P03" { // lock_not_available
		return pipeline.ErrTransient
	}
	return nil
}

// sqliteKind classifies a SQLite result code.
func sqliteKind(code int) error {
	switch code & 0xff {
	case sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_MISMATCH:
		return pipeline.ErrInvalid
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOMEM:
		return pipeline.ErrTransient
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
		return pipeline.ErrConfig
	}
	return nil
}

// redact converts a driver error into a *DBError. Context errors and
// errors of database/sql itself pass unchanged (they hold no values). A
// lost or refused connection — what lib/pq returns while the server is
// down or restarting: driver.ErrBadConn, io.EOF, a *net.OpError, a
// connection reset — is marked transient.
func redact(err error) error {
	if err == nil {
		return nil
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return &DBError{
			Code:       string(pqErr.Code),
			Name:       pqErr.Code.Name(),
			Table:      pqErr.Table,
			Column:     pqErr.Column,
			Constraint: pqErr.Constraint,
			kind:       pgKind(pqErr.Code),
		}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		return &DBError{
			Code: fmt.Sprintf("sqlite %d", sqErr.Code()),
			Name: sqErr.Error(),
			kind: sqliteKind(sqErr.Code()),
		}
	}
	if connectionLost(err) {
		return fmt.Errorf("%w: %w", pipeline.ErrTransient, err)
	}
	return err
}

// connectionLost reports whether err says the server could not be reached
// or went away.
func connectionLost(err error) bool {
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

// pqMessage matches lib/pq's "pq: <message> (<SQLSTATE>)".
var pqMessage = regexp.MustCompile(`^pq: .*\(([0-9A-Z]{5})\)$`)

// redactMessage strips an error message, as sqldb-logger hands it to the
// log, to what is known to hold no value: PostgreSQL messages (which may
// quote values, e.g. invalid input syntax) to their SQL state, SQLite's to
// their text (names of tables and columns), the fixed messages of
// database/sql and network errors as they are; anything else, which may
// quote a DSN, to its Go type.
func redactMessage(msg string) string {
	if m := pqMessage.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("sql state %s (%s)", m[1], pq.ErrorCode(m[1]).Name())
	}
	if strings.HasPrefix(msg, "pq: ") {
		return "pq error"
	}
	if mayQuoteDSN(msg) {
		return "error message withheld: it may quote the connection string"
	}
	return msg
}
