package pipeline

import (
	"encoding/json"
	"math"
	"sort"
	"time"
)

// DefaultMaxMessageBytes is the largest encoded raw message tally
// publishes unless configured otherwise: under Kafka's default broker
// limit (message.max.bytes, 1 MiB) with room for the batch overhead.
const DefaultMaxMessageBytes = 1_000_000

// Preflight rules: the Rule of the *FieldError Preflight returns.
const (
	// RuleRange: a time outside years 1–9999 (JSON and PostgreSQL refuse
	// it) or a NaN or infinite number.
	RuleRange = "range"
	// RuleSize: the record's encoded message is larger than the limit;
	// the field named is the largest one.
	RuleSize = "size"
	// RuleEncode: a value the codec cannot encode for another reason.
	RuleEncode = "encode"
)

// Preflight checks that a connector record can travel through the log
// and encodes it. It is what stands between a hostile CRM value and a
// stuck stream: a record that the codec or the broker would refuse is
// reported here, so the emitter can quarantine that record alone and
// publish the rest of its page.
//
// It returns the record's message, or a *FieldError of kind ErrInvalid
// naming the field ("version" for the record's version, "" for the
// whole record) and one of the rules above, never the value. Values that
// encode but are of the wrong type (a nested object, a number where a
// string belongs, a NUL in a text) pass: the validate stage quarantines
// them with their own rules. maxBytes <= 0 means DefaultMaxMessageBytes.
func Preflight(r *Record, maxBytes int) (Message, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxMessageBytes
	}
	if !timeInRange(r.Version) && !r.Version.IsZero() {
		return Message{}, &FieldError{Field: "version", Rule: RuleRange, Kind: ErrInvalid}
	}
	if !valuesOK(r.Fields) {
		// Name the first bad field in sorted order, so the rejection
		// does not depend on map order.
		for _, name := range sortedFields(r.Fields) {
			if rule := checkValue(r.Fields[name]); rule != "" {
				return Message{}, &FieldError{Field: name, Rule: rule, Kind: ErrInvalid}
			}
		}
	}
	m, err := EncodeRecord(r)
	if err != nil {
		return Message{}, &FieldError{Rule: RuleEncode, Kind: ErrInvalid}
	}
	if len(m.Key)+len(m.Value) > maxBytes {
		return Message{}, &FieldError{Field: largestField(r), Rule: RuleSize, Kind: ErrInvalid}
	}
	return m, nil
}

// valuesOK reports whether checkValue passes every value; it does not
// allocate, unlike sorting the names.
func valuesOK(f map[string]any) bool {
	for _, v := range f {
		if checkValue(v) != "" {
			return false
		}
	}
	return true
}

// timeInRange reports whether t lies in years 1–9999.
func timeInRange(t time.Time) bool {
	y := t.UTC().Year()
	return y >= 1 && y <= 9999
}

// checkValue returns the rule a value breaks, or "".
func checkValue(v any) string {
	switch x := v.(type) {
	case nil, string, bool, json.Number:
		return ""
	case time.Time:
		if !timeInRange(x) {
			return RuleRange
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return RuleRange
		}
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return RuleRange
		}
	default:
		// Rare shapes (maps, slices, integers): encodable is enough here.
		if _, err := json.Marshal(x); err != nil {
			return RuleEncode
		}
	}
	return ""
}

func sortedFields(f map[string]any) []string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// largestField names the field with the longest encoding, or "" when
// the record's id is larger than every field.
func largestField(r *Record) string {
	best, size := "", len(r.ID)
	for _, name := range sortedFields(r.Fields) {
		n := 0
		switch x := r.Fields[name].(type) {
		case string:
			n = len(x)
		default:
			b, _ := json.Marshal(x)
			n = len(b)
		}
		if n > size {
			best, size = name, n
		}
	}
	return best
}
