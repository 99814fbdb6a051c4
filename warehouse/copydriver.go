package warehouse

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/lib/pq"
)

// copyDriver is lib/pq's driver with one addition, so that COPY works
// through sqldb-logger (log.go) without reaching under it: a COPY ... FROM
// STDIN statement prepared on its connections (pq.CopyIn) implements
// driver.StmtExecContext, which sqldb-logger requires of every statement
// (lib/pq's copy statement has only Exec, so a plain tx.PrepareContext +
// Exec fails with driver.ErrSkip), and an ExecContext with one string
// argument sends that string as raw COPY data — whole rows already
// encoded as text lines (copy.go) — in one call instead of one call per
// row. Everything else is lib/pq's own, forwarded unchanged.
type copyDriver struct{ pq.Driver }

// Open implements driver.Driver.
func (d copyDriver) Open(name string) (driver.Conn, error) {
	c, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return &copyConn{Conn: c}, nil
}

// pqConn is the set of optional interfaces lib/pq's connection
// implements and sqldb-logger looks for.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// copyConn forwards to lib/pq's connection and wraps its COPY statements.
type copyConn struct{ driver.Conn }

var errNotPQ = errors.New("connection is not lib/pq's")

func (c *copyConn) pq() (pqConn, error) {
	p, ok := c.Conn.(pqConn)
	if !ok {
		return nil, errNotPQ
	}
	return p, nil
}

// Prepare implements driver.Conn.
func (c *copyConn) Prepare(query string) (driver.Stmt, error) {
	return wrapCopy(c.Conn.Prepare(query))
}

// PrepareContext implements driver.ConnPrepareContext.
func (c *copyConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	p, err := c.pq()
	if err != nil {
		return nil, err
	}
	return wrapCopy(p.PrepareContext(ctx, query))
}

// BeginTx implements driver.ConnBeginTx.
func (c *copyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	p, err := c.pq()
	if err != nil {
		return nil, err
	}
	return p.BeginTx(ctx, opts)
}

// ExecContext implements driver.ExecerContext.
func (c *copyConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	p, err := c.pq()
	if err != nil {
		return nil, err
	}
	return p.ExecContext(ctx, query, args)
}

// QueryContext implements driver.QueryerContext.
func (c *copyConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	p, err := c.pq()
	if err != nil {
		return nil, err
	}
	return p.QueryContext(ctx, query, args)
}

// Ping implements driver.Pinger.
func (c *copyConn) Ping(ctx context.Context) error {
	p, err := c.pq()
	if err != nil {
		return err
	}
	return p.Ping(ctx)
}

// ResetSession implements driver.SessionResetter.
func (c *copyConn) ResetSession(ctx context.Context) error {
	p, err := c.pq()
	if err != nil {
		return err
	}
	return p.ResetSession(ctx)
}

// IsValid implements driver.Validator.
func (c *copyConn) IsValid() bool {
	p, err := c.pq()
	return err == nil && p.IsValid()
}

// CheckNamedValue implements driver.NamedValueChecker.
func (c *copyConn) CheckNamedValue(nv *driver.NamedValue) error {
	p, err := c.pq()
	if err != nil {
		return err
	}
	return p.CheckNamedValue(nv)
}

// copyData is lib/pq's COPY statement.
type copyData interface {
	driver.Stmt
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// copyStmt is a COPY ... FROM STDIN statement: ExecContext with one
// string argument sends it as COPY data (one or more text lines without
// the last newline), with no argument ends the COPY and returns its
// result, with several arguments sends them as one row (lib/pq's Exec).
type copyStmt struct{ copyData }

func wrapCopy(s driver.Stmt, err error) (driver.Stmt, error) {
	if err != nil {
		return nil, err
	}
	if cd, ok := s.(copyData); ok {
		return copyStmt{cd}, nil
	}
	return s, nil
}

// ExecContext implements driver.StmtExecContext.
func (s copyStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 1 {
		if line, ok := args[0].Value.(string); ok {
			return s.CopyData(ctx, line)
		}
	}
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	return s.Exec(vals)
}
