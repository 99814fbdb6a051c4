package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// columnTypes caches the PostgreSQL type of every column of the current
// schema, read once after migration, for array inserts.
type columnTypes struct {
	mu    sync.Mutex
	types map[string]map[string]string // table → column → SQL type
}

const columnTypesQuery = `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')`

// reset forgets the cached types (after a migration).
func (ct *columnTypes) reset() {
	ct.mu.Lock()
	ct.types = nil
	ct.mu.Unlock()
}

// load returns the cached column types, reading them on first use.
func (ct *columnTypes) load(ctx context.Context, t *txn) (map[string]map[string]string, error) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	if ct.types != nil {
		return ct.types, nil
	}
	rows, err := t.query(ctx, columnTypesQuery)
	if err != nil {
		return nil, fmt.Errorf("reading column types: %w", err)
	}
	defer rows.Close()
	types := map[string]map[string]string{}
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			return nil, fmt.Errorf("reading column types: %w", redact(err))
		}
		if types[table] == nil {
			types[table] = map[string]string{}
		}
		types[table][col] = typ
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading column types: %w", redact(err))
	}
	ct.types = types
	return types, nil
}

// insertArrays is insertRows for PostgreSQL: one statement whatever the
// number of rows, with one text array per column, unnested and cast to
// the column's type. A statement of a dozen parameters parses and plans
// far faster than a VALUES list of thousands.
func (t *txn) insertArrays(ctx context.Context, types map[string]string, table string, cols []string, rows [][]any, suffix string) error {
	sel, from, args, err := unnestSource(types, cols, rows)
	if err != nil {
		return fmt.Errorf("inserting into %s: %w", table, err)
	}
	q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(sel, ", ") + " FROM " + from + suffix
	_, err = t.exec(ctx, q, args...)
	return err
}

// unnestSource returns the select list (u.cN::type per column), the FROM
// item (unnest of one text array per column, aliased u) and the array
// arguments for rows of cols, typed by the table's column types.
func unnestSource(types map[string]string, cols []string, rows [][]any) (sel []string, from string, args []any, err error) {
	arrays := make([][]sql.NullString, len(cols))
	for c := range cols {
		arrays[c] = make([]sql.NullString, len(rows))
	}
	for r, row := range rows {
		for c, v := range row {
			arrays[c][r] = toText(v)
		}
	}
	sel = make([]string, len(cols))
	un := make([]string, len(cols))
	alias := make([]string, len(cols))
	args = make([]any, len(cols))
	for c, col := range cols {
		typ, ok := types[strings.Trim(col, `"`)]
		if !ok {
			return nil, "", nil, fmt.Errorf("unknown column %s", col)
		}
		sel[c] = fmt.Sprintf("u.c%d::%s", c, typ)
		un[c] = "?::text[]"
		alias[c] = fmt.Sprintf("c%d", c)
		args[c] = pq.GenericArray{A: arrays[c]}
	}
	return sel, "unnest(" + strings.Join(un, ", ") + ") AS u(" + strings.Join(alias, ", ") + ")", args, nil
}

// updateRows runs, on PostgreSQL, one UPDATE of table for all rows: each
// row holds the values of the match columns, which select the row to
// change, followed by the new values of the set columns.
func (t *txn) updateRows(ctx context.Context, table string, match, set []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	all, err := t.cols.load(ctx, t)
	if err != nil {
		return err
	}
	sel, from, args, err := unnestSource(all[table], append(append([]string{}, match...), set...), rows)
	if err != nil {
		return fmt.Errorf("updating %s: %w", table, err)
	}
	assign := make([]string, len(set))
	for i, c := range set {
		assign[i] = c + " = " + sel[len(match)+i]
	}
	cond := make([]string, len(match))
	for i, c := range match {
		cond[i] = "t." + c + " = " + sel[i]
	}
	q := "UPDATE " + table + " AS t SET " + strings.Join(assign, ", ") + " FROM " + from + " WHERE " + strings.Join(cond, " AND ")
	_, err = t.exec(ctx, q, args...)
	return err
}

// toText renders a column value as PostgreSQL input text; nil is NULL.
func toText(v any) sql.NullString {
	switch x := v.(type) {
	case nil:
		return sql.NullString{}
	case string:
		return sql.NullString{String: x, Valid: true}
	case decimal.Decimal:
		return sql.NullString{String: x.String(), Valid: true}
	case float64:
		return sql.NullString{String: strconv.FormatFloat(x, 'g', -1, 64), Valid: true}
	case bool:
		return sql.NullString{String: strconv.FormatBool(x), Valid: true}
	case int:
		return sql.NullString{String: strconv.Itoa(x), Valid: true}
	case int64:
		return sql.NullString{String: strconv.FormatInt(x, 10), Valid: true}
	case time.Time:
		return sql.NullString{String: x.UTC().Format(time.RFC3339Nano), Valid: true}
	case *time.Time:
		if x == nil {
			return sql.NullString{}
		}
		return sql.NullString{String: x.UTC().Format(time.RFC3339Nano), Valid: true}
	}
	return sql.NullString{String: fmt.Sprint(v), Valid: true}
}
