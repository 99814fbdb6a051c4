package warehouse

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// copyChunk is the most COPY text copyFunc sends per call: what fits
// lib/pq's 64 KiB COPY buffer after its 5-byte message header, with the
// newline it adds. A chunk of at least 63 KiB makes lib/pq send the
// buffer at once, so it is never grown; a chunk that ends early (the
// next row is long) may grow it once. Only allocation depends on this.
const copyChunk = 64<<10 - 6

// copyBufs recycles the chunk buffers of copyFunc.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 0, copyChunk+8<<10); return &b }}

// copyIn loads rows (values of cols, in order) into table with one COPY
// ... FROM STDIN on the transaction (PostgreSQL only): the rows are
// encoded as COPY text in a reused buffer and sent a chunk of lines per
// call (copydriver.go), so neither database/sql nor the SQL logger sees
// a call per row, and the server parses no statement per row. A value
// the table refuses fails the COPY with its SQL state (a data error of
// class 22 or 23 names its column, see copyError); the values never
// appear in the error or the SQL log (the logger never logs arguments).
func (t *txn) copyIn(ctx context.Context, table string, cols []string, rows [][]any) error {
	return t.copyFunc(ctx, table, cols, len(rows), func(b []byte, i int) []byte {
		for j, v := range rows[i] {
			if j > 0 {
				b = append(b, '\t')
			}
			b = appendCopyText(b, v)
		}
		return b
	})
}

// copyFunc is copyIn for n rows that row appends to b, as COPY text
// without the newline, so that callers encode their values without
// boxing them first.
func (t *txn) copyFunc(ctx context.Context, table string, cols []string, n int, row func(b []byte, i int) []byte) error {
	if n == 0 {
		return nil
	}
	stmt, err := t.PrepareContext(ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return copyError(err)
	}
	// send sends the lines of buf[:end] (lib/pq's CopyData ends them with
	// a newline itself) and keeps the bytes after them, without the
	// newline at end, for the next chunk.
	send := func(buf []byte, end int) ([]byte, error) {
		if _, err := stmt.ExecContext(ctx, string(buf[:end])); err != nil {
			return buf, err
		}
		if end < len(buf) {
			end++ // the newline between the chunk and the row kept
		}
		return buf[:copy(buf, buf[end:])], nil
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := (*bp)[:0]
	for i := 0; i < n; i++ {
		start := len(buf)
		if start > 0 {
			buf = append(buf, '\n')
		}
		buf = row(buf, i)
		if len(buf) > copyChunk && start > 0 {
			// This row does not fit: send the rows before it.
			if buf, err = send(buf, start); err != nil {
				_ = stmt.Close()
				return copyError(err)
			}
		}
	}
	if buf, err = send(buf, len(buf)); err != nil {
		_ = stmt.Close()
		return copyError(err)
	}
	*bp = buf
	if _, err := stmt.ExecContext(ctx); err != nil {
		_ = stmt.Close()
		return copyError(err)
	}
	return copyError(stmt.Close())
}

// appendCopyTime appends t as timestamptz input: UTC in RFC 3339 with
// the nanoseconds that are not zero, byte for byte what
// t.UTC().AppendFormat(b, time.RFC3339Nano) appends, without parsing the
// layout for every value.
func appendCopyTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	if ns := t.Nanosecond(); ns != 0 {
		b = append(b, '.')
		n := len(b)
		b = appendDigits(b, ns, 9)
		for b[len(b)-1] == '0' && len(b) > n {
			b = b[:len(b)-1]
		}
	}
	return append(b, 'Z')
}

// appendCopyDate appends the calendar day of t (in its own zone) as
// YYYY-MM-DD, as t.AppendFormat(b, time.DateOnly) does.
func appendCopyDate(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, time.DateOnly)
	}
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	return appendDigits(b, day, 2)
}

// appendDigits appends v (0 <= v < 10^width) in exactly width decimal
// digits, zero-padded.
func appendDigits(b []byte, v, width int) []byte {
	n := len(b)
	for range width {
		b = append(b, 0)
	}
	for i := len(b) - 1; i >= n; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// appendCopyField appends a field value of kind k (nil for NULL): dates
// as their day, times in UTC, other kinds as appendCopyText.
func appendCopyField(b []byte, k kind, v any) []byte {
	if t, ok := v.(time.Time); ok {
		if k == kindDate {
			return appendCopyDate(b, t)
		}
		return appendCopyTime(b, t)
	}
	return appendCopyText(b, v)
}

// copyWhere matches the context PostgreSQL gives an error in COPY input:
// "COPY deal_facts, line 3, column amount: ...". Only the column name is
// taken from it; the rest may quote the value.
var copyWhere = regexp.MustCompile(`^COPY [^,]+, line [0-9]+, column ([a-z_][a-z0-9_]*)`)

// copyError is redact for errors of a COPY: a data error the server
// reports without a column (an input syntax or range error) is given the
// column named in its context, so that quarantine names the field.
func copyError(err error) error {
	var pqErr *pq.Error
	if err == nil || !errors.As(err, &pqErr) {
		return redact(err)
	}
	out := redact(err)
	var dbErr *DBError
	if errors.As(out, &dbErr) && dbErr.Column == "" {
		if m := copyWhere.FindStringSubmatch(pqErr.Where); m != nil {
			dbErr.Column = m[1]
		}
	}
	return out
}

// appendCopyText appends v in COPY's text format: \N for NULL, strings
// with backslash, tab, newline and carriage return escaped, other values
// as PostgreSQL input text (as toText renders them).
func appendCopyText(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, `\N`...)
	case string:
		return appendCopyEscaped(b, x)
	case decimal.Decimal:
		return append(b, x.String()...)
	case bool:
		if x {
			return append(b, 't')
		}
		return append(b, 'f')
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case time.Time:
		return appendCopyTime(b, x)
	}
	s := toText(v)
	if !s.Valid {
		return append(b, `\N`...)
	}
	return appendCopyEscaped(b, s.String)
}

func appendCopyEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var esc byte
		switch s[i] {
		case '\\':
			esc = '\\'
		case '\t':
			esc = 't'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\', esc)
		start = i + 1
	}
	return append(b, s[start:]...)
}

// stageTable returns the name of the session's staging table for table,
// creating it on first use in this connection: a temporary table like
// table whose rows vanish at every commit or rollback (ON COMMIT DELETE
// ROWS), so it is created once per connection rather than per batch (a
// CREATE and DROP per batch would bloat pg_class and pg_attribute, which
// nothing vacuums where autovacuum is off) and never holds another
// batch's rows.
func (t *txn) stageTable(ctx context.Context, table string) (string, error) {
	name := "tally_stage_" + table
	q := "CREATE TEMP TABLE IF NOT EXISTS " + name + " (LIKE " + table + ") ON COMMIT DELETE ROWS"
	if _, err := t.exec(ctx, q); err != nil {
		return "", fmt.Errorf("creating staging table for %s: %w", table, err)
	}
	return name, nil
}
