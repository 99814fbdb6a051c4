package validate

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
)

// Rules of the *pipeline.FieldError that Apply returns for a field value.
const (
	RuleType   = "type"   // a value of the wrong kind: a nested object or array, a number for a string, a time that does not parse
	RuleLength = "length" // a string longer than MaxStringLen bytes
	RuleUTF8   = "utf8"   // a string that is not valid UTF-8
	RuleNUL    = "nul"    // a string holding a NUL character, which PostgreSQL text refuses
	RuleRange  = "range"  // a time outside years 1–9999, a NaN, an infinity or a number beyond PostgreSQL numeric
)

// coerce converts v to the Go type of t. It returns the converted value,
// or the name of the broken rule. It never looks at v beyond its type,
// length and parse result, so nothing of the value reaches an error.
func coerce(t schemas.Type, v any) (any, string) {
	switch t {
	case schemas.String:
		if s, ok := v.(string); ok {
			return v, checkString(s) // v itself: no new interface value
		}
		if t, ok := v.(time.Time); ok {
			// The log's JSON form carried a time as RFC 3339 text; its
			// binary form keeps the time.Time.
			s := t.Format(time.RFC3339Nano)
			return s, checkString(s)
		}
		return nil, RuleType
	case schemas.Number:
		return toNumber(v)
	case schemas.Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, RuleType
		}
		return b, ""
	case schemas.TimeT:
		return toTime(v)
	}
	return nil, RuleType
}

func checkString(s string) string {
	switch {
	case len(s) > MaxStringLen:
		return RuleLength
	case !utf8.ValidString(s):
		return RuleUTF8
	case strings.IndexByte(s, 0) >= 0:
		return RuleNUL
	}
	return ""
}

// toNumber converts a number to a decimal.Decimal: a json.Number (what
// the codec decodes) exactly, a float64 or float32 by its shortest
// representation, an integer exactly. Strings are not numbers.
func toNumber(v any) (any, string) {
	var (
		d   decimal.Decimal
		err error
	)
	switch n := v.(type) {
	case decimal.Decimal:
		d = n
		if !d.InRange() {
			err = decimal.ErrRange
		}
	case json.Number:
		if len(n) > MaxNumberLen {
			return nil, RuleLength
		}
		d, err = decimal.Parse(string(n))
	case float64:
		d, err = decimal.FromFloat(n)
	case float32:
		d, err = decimal.FromFloat(float64(n))
	case int:
		d = decimal.FromInt(int64(n))
	case int8:
		d = decimal.FromInt(int64(n))
	case int16:
		d = decimal.FromInt(int64(n))
	case int32:
		d = decimal.FromInt(int64(n))
	case int64:
		d = decimal.FromInt(n)
	case uint:
		d = decimal.FromUint(uint64(n))
	case uint8:
		d = decimal.FromUint(uint64(n))
	case uint16:
		d = decimal.FromUint(uint64(n))
	case uint32:
		d = decimal.FromUint(uint64(n))
	case uint64:
		d = decimal.FromUint(n)
	default:
		return nil, RuleType
	}
	switch {
	case errors.Is(err, decimal.ErrRange):
		return nil, RuleRange
	case err != nil:
		return nil, RuleType
	}
	return d, ""
}

// toTime converts a time.Time or an RFC 3339 string to a time.Time in
// UTC within years 1–9999.
func toTime(v any) (any, string) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x.UTC()
	case string:
		if len(x) > MaxStringLen {
			return nil, RuleLength
		}
		p, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return nil, RuleType
		}
		t = p.UTC()
	default:
		return nil, RuleType
	}
	if y := t.Year(); y < 1 || y > 9999 {
		return nil, RuleRange
	}
	if x, ok := v.(time.Time); ok && x == t {
		return v, "" // already in UTC: no new interface value
	}
	return t, ""
}
