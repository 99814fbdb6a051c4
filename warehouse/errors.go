package warehouse

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tally-dev/tally/pipeline"
)

// DBError is a database error stripped of everything that may hold a row
// value: PostgreSQL's message and detail (a unique violation echoes the
// conflicting key) are dropped, only the SQL state and the names of the
// table, column and constraint survive. It unwraps to
// pipeline.ErrTransient when retrying may help.
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
	transient  bool
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

// Unwrap returns pipeline.ErrTransient for serialization failures,
// deadlocks, lock timeouts and lost connections, nil otherwise.
func (e *DBError) Unwrap() error {
	if e.transient {
		return pipeline.ErrTransient
	}
	return nil
}

// redact converts a driver error into a *DBError. Context errors and
// errors of database/sql itself pass unchanged (they hold no values); a
// broken connection is marked transient.
func redact(err error) error {
	if err == nil {
		return nil
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		class := pqErr.Code.Class()
		return &DBError{
			Code:       string(pqErr.Code),
			Name:       pqErr.Code.Name(),
			Table:      pqErr.Table,
			Column:     pqErr.Column,
			Constraint: pqErr.Constraint,
			transient:  class == "40" || class == "08" || class == "53" || class == "57" || pqErr.Code == "55P03",
		}
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		code := sqErr.Code()
		primary := code & 0xff
		return &DBError{
			Code:      fmt.Sprintf("sqlite %d", code),
			Name:      sqErr.Error(),
			transient: primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED,
		}
	}
	if errors.Is(err, driver.ErrBadConn) {
		return fmt.Errorf("%w: %w", pipeline.ErrTransient, err)
	}
	return err
}

// pqMessage matches lib/pq's "pq: <message> (<SQLSTATE>)".
var pqMessage = regexp.MustCompile(`^pq: .*\(([0-9A-Z]{5})\)$`)

// redactMessage strips a driver error message, as sqldb-logger hands it
// to the log, down to its SQL state when it is PostgreSQL's (whose
// messages may quote values, e.g. invalid input syntax).
func redactMessage(msg string) string {
	if m := pqMessage.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("sql state %s (%s)", m[1], pq.ErrorCode(m[1]).Name())
	}
	if strings.HasPrefix(msg, "pq: ") {
		return "pq error"
	}
	return msg
}
