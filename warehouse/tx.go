package warehouse

import (
	"context"
	"database/sql"
	"strings"

	"github.com/jmoiron/sqlx"
)

// txn is a transaction whose statements use ? placeholders and whose
// errors are redacted.
type txn struct {
	*sqlx.Tx
	d    *dialect
	cols *columnTypes
	// inserted counts rows sent per table, for statistics refreshes.
	inserted map[string]int64
}

func (w *Warehouse) begin(ctx context.Context) (*txn, error) {
	tx, err := w.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, redact(err)
	}
	return &txn{Tx: tx, d: w.d, cols: &w.cols, inserted: map[string]int64{}}, nil
}

func (t *txn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.ExecContext(ctx, t.Rebind(query), args...)
	return res, redact(err)
}

func (t *txn) get(ctx context.Context, dest any, query string, args ...any) error {
	return redact(t.GetContext(ctx, dest, t.Rebind(query), args...))
}

func (t *txn) query(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	rows, err := t.QueryxContext(ctx, t.Rebind(query), args...)
	return rows, redact(err)
}

func (t *txn) rollback() { _ = t.Rollback() }

func (t *txn) commit() error { return redact(t.Commit()) }

// insertRows runs "INSERT INTO table (cols) VALUES (...), (...) suffix"
// for rows, in as few statements as the dialect's parameter limit allows,
// keeping the order of rows; on PostgreSQL it sends one array per column
// instead (insertArrays).
func (t *txn) insertRows(ctx context.Context, table string, cols []string, rows [][]any, suffix string) error {
	t.inserted[table] += int64(len(rows))
	return t.insertRowsUncounted(ctx, table, cols, rows, suffix)
}

// insertRowsUncounted is insertRows for callers that count the rows
// themselves (per partition).
func (t *txn) insertRowsUncounted(ctx context.Context, table string, cols []string, rows [][]any, suffix string) error {
	if len(rows) == 0 {
		return nil
	}
	if t.d.name == Postgres {
		types, err := t.cols.load(ctx, t)
		if err != nil {
			return err
		}
		if tt, ok := types[table]; ok {
			return t.insertArrays(ctx, tt, table, cols, rows, suffix)
		}
	}
	per := t.d.maxParams / len(cols)
	tuple := "(" + placeholders(len(cols)) + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		var b strings.Builder
		b.WriteString(head)
		args := make([]any, 0, len(chunk)*len(cols))
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			args = append(args, r...)
		}
		b.WriteString(suffix)
		if _, err := t.exec(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}
