package warehousetest

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// writeTimeColumns are set from the clock at write time, so two
// warehouses fed the same batches differ in them.
var writeTimeColumns = map[string]bool{
	"written_at": true, "expires_at": true, "updated_at": true, "quarantined_at": true, "applied_at": true,
}

// Dump returns a canonical text dump of every table: per table its name
// and its rows, each row as col=value pairs in column order, rows
// sorted. Values are normalized across dialects (numbers in shortest
// form, dates as YYYY-MM-DD, instants in UTC RFC 3339, booleans as
// true/false, binary columns in hex) and the write-time columns (written_at, expires_at,
// updated_at, quarantined_at, applied_at) and quarantine.id are left out,
// so two warehouses that committed the same batches dump equal.
func Dump(ctx context.Context, db *sqlx.DB) (string, error) {
	return dump(ctx, db, func(table, col string) bool {
		return writeTimeColumns[col] || (table == "quarantine" && col == "id")
	})
}

// AllText returns every value of every table, all columns included, as
// text: a haystack for tests that grep the warehouse for personal data.
func AllText(ctx context.Context, db *sqlx.DB) (string, error) {
	return dump(ctx, db, func(string, string) bool { return false })
}

func dump(ctx context.Context, db *sqlx.DB, skip func(table, col string) bool) (string, error) {
	tables, err := tableNames(ctx, db)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, t := range tables {
		lines, err := dumpTable(ctx, db, t, skip)
		if err != nil {
			return "", fmt.Errorf("dumping %s: %w", t, err)
		}
		fmt.Fprintf(&b, "== %s (%d rows)\n", t, len(lines))
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}

func tableNames(ctx context.Context, db *sqlx.DB) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.DriverName() == "postgres" {
		// Partitions are dumped through their parent table.
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
			AND table_name NOT IN (SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				WHERE n.nspname = current_schema() AND c.relispartition)`
	}
	var names []string
	if err := db.SelectContext(ctx, &names, q); err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

func dumpTable(ctx context.Context, db *sqlx.DB, table string, skip func(table, col string) bool) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		var parts []string
		for i, ct := range types {
			if skip(table, ct.Name()) {
				continue
			}
			parts = append(parts, ct.Name()+"="+normalize(ct, vals[i]))
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	sort.Strings(lines)
	return lines, rows.Err()
}

// normalize renders a value of either dialect in one canonical text form.
func normalize(ct *sql.ColumnType, v any) string {
	if v == nil {
		return "NULL"
	}
	typ := strings.ToUpper(ct.DatabaseTypeName())
	if b, ok := v.([]byte); ok {
		if typ == "BYTEA" || typ == "BLOB" {
			// Ciphertext in hex: raw random bytes can spell a short
			// plaintext ("u1") that a privacy test looks for.
			return hex.EncodeToString(b)
		}
		v = string(b)
	}
	switch typ {
	case "NUMERIC", "REAL", "FLOAT8", "FLOAT4", "DOUBLE":
		switch n := v.(type) {
		case float64:
			return strconv.FormatFloat(n, 'g', -1, 64)
		case int64:
			return strconv.FormatFloat(float64(n), 'g', -1, 64)
		case string:
			// Numeric text: exact, canonical (1.50 and 1.5 dump alike).
			if d, err := decimal.Parse(n); err == nil {
				return d.String()
			}
		}
	case "BOOL", "BOOLEAN":
		switch b := v.(type) {
		case bool:
			return strconv.FormatBool(b)
		case int64:
			return strconv.FormatBool(b != 0)
		}
	case "DATE":
		if t, ok := parseTime(v); ok {
			return t.UTC().Format(time.DateOnly)
		}
	case "TIMESTAMPTZ", "TIMESTAMP":
		if t, ok := parseTime(v); ok {
			return t.UTC().Format(time.RFC3339Nano)
		}
	}
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func parseTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-07:00", time.DateOnly} {
			if tm, err := time.Parse(layout, t); err == nil {
				return tm, true
			}
		}
	}
	return time.Time{}, false
}
