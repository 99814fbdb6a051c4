package crmhttp

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// DecodeObject decodes one record of a page (one element of its records
// array) on its own, so that no value can fail the page or the record:
// numbers become float64 where float64 holds them exactly; any other
// (an amount with more than ~15 significant digits, 1e400) stays
// json.Number, the vendor's exact text, for the validate stage to take
// as an exact decimal or quarantine by field.
// ok is false only when raw is not a JSON object.
func DecodeObject(raw []byte) (map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil || m == nil {
		return nil, false
	}
	for k, v := range m {
		m[k] = floats(v)
	}
	return m, true
}

// DecodeRecords decodes each element of a page's records array with
// DecodeObject, so that one odd element cannot fail its page: objs holds
// the JSON objects in order (never nil), skipped counts the elements
// that are not JSON objects.
func DecodeRecords(raws []json.RawMessage) (objs []map[string]any, skipped int) {
	objs = make([]map[string]any, 0, len(raws))
	for _, raw := range raws {
		m, ok := DecodeObject(raw)
		if !ok {
			skipped++
			continue
		}
		objs = append(objs, m)
	}
	return objs, skipped
}

// Lenient decodes b as a T, or returns T's zero value when b is not one
// (not a JSON object, or a value of the wrong JSON type), so that one
// malformed item of a page decodes as an item without attributes rather
// than failing the page. T must not itself implement json.Unmarshaler
// by calling Lenient[T]: a connector's UnmarshalJSON passes a
// method-less copy of its type (type plain item).
func Lenient[T any](b []byte) T {
	var v T
	if json.Unmarshal(b, &v) != nil {
		var zero T
		return zero
	}
	return v
}

// Total reads a page's total-count attribute: -1 when raw is missing or
// not a count (a number from 0 to math.MaxInt32). A JSON null reads as
// 0, as the connectors always read it.
func Total(raw json.RawMessage) int {
	var total float64
	if json.Unmarshal(raw, &total) != nil || total < 0 || total > math.MaxInt32 {
		return -1
	}
	return int(total)
}

// DecodeWith adapts a page parser to Client.Do's decode argument: the
// parsed page goes to *dst, which a failed parse leaves as it was.
func DecodeWith[T any](dst *T, parse func([]byte) (T, error)) func([]byte) error {
	return func(b []byte) error {
		v, err := parse(b)
		if err != nil {
			return err
		}
		*dst = v
		return nil
	}
}

// floats turns the json.Numbers of v that float64 holds exactly into
// float64.
func floats(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil && exact(x, f) {
			return f
		}
	case map[string]any:
		for k, e := range x {
			x[k] = floats(e)
		}
	case []any:
		for i, e := range x {
			x[i] = floats(e)
		}
	}
	return v
}

// exact reports whether f is the same number as the text n. Most vendor
// numbers are written in float64's shortest form ("17.5", "100"), which
// is checked without allocating a decimal; only other spellings ("1e2",
// "17.50", long amounts) are compared as exact decimals.
func exact(n json.Number, f float64) bool {
	var buf [32]byte
	if string(strconv.AppendFloat(buf[:0], f, 'f', -1, 64)) == string(n) {
		return true
	}
	d, err := decimal.Parse(string(n))
	if err != nil {
		return false
	}
	g, err := decimal.FromFloat(f)
	return err == nil && d.Equal(g)
}
