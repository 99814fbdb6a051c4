package crmhttp

import (
	"bytes"
	"encoding/json"
)

// DecodeObject decodes one record of a page (one element of its records
// array) on its own, so that no value can fail the page or the record:
// numbers become float64, except those float64 cannot hold (1e400),
// which stay json.Number for the validate stage to quarantine by field.
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

// floats turns the json.Numbers of v that float64 holds into float64.
func floats(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
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
