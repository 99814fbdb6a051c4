package validate

import (
	"encoding/json"
	"math"
	"time"
	"unicode/utf8"

	"github.com/tally-dev/tally/schemas"
)

// coerce converts v to the Go type of t. It returns the converted value,
// or the name of the broken rule. It never looks at v beyond its type,
// length and parse result, so nothing of the value reaches an error.
func coerce(t schemas.Type, v any) (any, string) {
	switch t {
	case schemas.String:
		s, ok := v.(string)
		if !ok {
			return nil, "type"
		}
		return s, checkString(s)
	case schemas.Number:
		return toNumber(v)
	case schemas.Bool:
		b, ok := v.(bool)
		if !ok {
			return nil, "type"
		}
		return b, ""
	case schemas.TimeT:
		return toTime(v)
	}
	return nil, "type"
}

func checkString(s string) string {
	if len(s) > MaxStringLen {
		return "length"
	}
	if !utf8.ValidString(s) {
		return "utf8"
	}
	return ""
}

func toNumber(v any) (any, string) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int8:
		f = float64(n)
	case int16:
		f = float64(n)
	case int32:
		f = float64(n)
	case int64:
		f = float64(n)
	case uint:
		f = float64(n)
	case uint8:
		f = float64(n)
	case uint16:
		f = float64(n)
	case uint32:
		f = float64(n)
	case uint64:
		f = float64(n)
	case json.Number:
		if len(n) > MaxStringLen {
			return nil, "length"
		}
		p, err := n.Float64()
		if err != nil {
			return nil, "type"
		}
		f = p
	default:
		return nil, "type"
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, "type"
	}
	return f, ""
}

func toTime(v any) (any, string) {
	switch t := v.(type) {
	case time.Time:
		return t.UTC(), ""
	case string:
		if len(t) > MaxStringLen {
			return nil, "length"
		}
		p, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return nil, "type"
		}
		return p.UTC(), ""
	}
	return nil, "type"
}
