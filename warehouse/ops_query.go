package warehouse

import (
	"context"
	"fmt"
	"time"
)

// This file holds the read helpers the operations packages
// (warehouse/cursors, warehouse/quarantine, warehouse/syncruns) share
// for their listings: a query loop with redacted errors, the
// "newest first" clause and instants in UTC.

// QueryAll runs q (rebound to the dialect) and returns one T a row, as
// scan reads it through the scanner it is given. Errors of the query,
// of a row's Scan and of the rows come back as "<what>: <redacted
// error>"; scan's own errors pass unchanged. An empty result is an
// empty, non-nil slice.
func QueryAll[T any](ctx context.Context, w *Warehouse, what, q string, args []any,
	scan func(sc func(dest ...any) error) (T, error)) ([]T, error) {
	db := w.DB()
	rows, err := db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, Redact(err))
	}
	defer rows.Close()
	sc := func(dest ...any) error {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("%s: %w", what, Redact(err))
		}
		return nil
	}
	out := []T{}
	for rows.Next() {
		v, err := scan(sc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, Redact(err))
	}
	return out, nil
}

// NewestFirst appends to q, a SELECT from a table with id and tenant
// columns, the tenant predicate when tenant is set, ORDER BY id DESC
// and, when limit is positive, the limit; it returns the query and its
// arguments.
func NewestFirst(q, tenant string, limit int) (string, []any) {
	var args []any
	if tenant != "" {
		q += ` WHERE tenant = ?`
		args = append(args, tenant)
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit)
	}
	return q, args
}

// ScanUTC is ScanTime in UTC.
func ScanUTC(v any) (time.Time, error) {
	t, err := ScanTime(v)
	return t.UTC(), err
}
