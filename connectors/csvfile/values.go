package csvfile

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
)

// timeParser reads one time_format.
type timeParser func(s string) (time.Time, bool)

func newTimeParser(format string) (timeParser, error) {
	layout := ""
	switch format {
	case "", "rfc3339":
		return func(s string) (time.Time, bool) {
			t, err := time.Parse(time.RFC3339Nano, s)
			return t.UTC(), err == nil
		}, nil
	case "date":
		return func(s string) (time.Time, bool) {
			if t, ok := parseDate(s); ok {
				return t, true
			}
			t, err := time.Parse(time.DateOnly, s)
			return t.UTC(), err == nil
		}, nil
	case "datetime":
		layout = time.DateTime
	case "unix", "unix_ms":
		ms := format == "unix_ms"
		return func(s string) (time.Time, bool) {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return time.Time{}, false
			}
			if ms {
				return time.UnixMilli(n).UTC(), true
			}
			return time.Unix(n, 0).UTC(), true
		}, nil
	default:
		if !strings.Contains(format, "2006") {
			return nil, errors.New("want rfc3339, date, datetime, unix, unix_ms or a Go layout with the year 2006")
		}
		layout = format
	}
	return func(s string) (time.Time, bool) {
		t, err := time.Parse(layout, s)
		return t.UTC(), err == nil
	}, nil
}

// parseDate reads a valid YYYY-MM-DD day without time.Parse's layout
// walk; ok is false for anything else, which time.Parse then decides.
func parseDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 28 && d > daysIn(time.Month(m), y) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn is the number of days of month m of year y.
func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parse types a cell by the canonical field's schema type. An empty cell
// is nil; a cell that does not parse is kept as its raw string, for the
// validate stage to quarantine.
func parse(t schemas.Type, cell string, times timeParser) any {
	s := strings.TrimSpace(cell)
	if s == "" {
		return nil
	}
	switch t {
	case schemas.Number:
		if n, ok := decimal.Number(s); ok { // the cell's text, exactly
			return n
		}
	case schemas.Bool:
		if b, ok := parseBool(s); ok {
			return b
		}
	case schemas.TimeT:
		if v, ok := times(s); ok {
			return v
		}
	}
	// Cells are slices of their row; a copy keeps the row's other
	// columns from living on in the record.
	return strings.Clone(cell)
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "1", "y", "t":
		return true, true
	case "false", "no", "0", "n", "f":
		return false, true
	}
	return false, false
}
