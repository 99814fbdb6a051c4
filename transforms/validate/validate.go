package validate

import (
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// MaxStringLen is the longest string value, in bytes, a record may carry
// in a classified field or its ID. No canonical field needs more; a longer
// value is treated as hostile input.
const MaxStringLen = 4096

// MaxNumberLen is the longest number text, in bytes, validate reads: room
// for every value a PostgreSQL numeric holds written out in full
// (decimal.MaxIntegerDigits + decimal.MaxScale digits, a sign and a
// point), so that every number validate accepts is accepted again after
// it is re-encoded. A longer text is rule "length".
const MaxNumberLen = 1 << 18

// Stage validates records against the catalog and coerces their values
// to the schema types. It is safe for concurrent use.
type Stage struct {
	cat *schemas.Catalog
}

// New returns the validate stage for cat, which must not be nil.
func New(cat *schemas.Catalog) *Stage {
	if cat == nil {
		panic("validate: nil catalog")
	}
	return &Stage{cat: cat}
}

// Name returns "validate".
func (s *Stage) Name() string { return "validate" }

// Apply checks r and coerces its field values in place. It returns
// pipeline.Invalid with:
//
//   - field "" and rule "object" when the catalog has no such object;
//   - rule "required" on field "tenant" when Tenant is empty, on "id" when
//     ID is empty, and on "version" when an upsert has a zero Version;
//   - field "" and rule "op" for an operation other than upsert or delete;
//   - rule "length" when ID or a classified string is longer than
//     MaxStringLen bytes;
//   - for a classified value, one of the value rules (RuleType,
//     RuleUTF8, RuleNUL, RuleRange): "type" when the value cannot be
//     coerced to its schema type (a nested object or array where a
//     scalar belongs, a number for a string or a string for a number, a
//     time string that is not RFC 3339), "utf8" for a string that is not
//     UTF-8, "nul" for a string holding a NUL character, "range" for a
//     time outside years 1–9999 and a number that is NaN, infinite or
//     beyond what a PostgreSQL numeric holds (see package decimal).
//
// Coercion by schema type: string accepts string, and a time.Time as
// its RFC 3339 text (as the log's older JSON form gave it); number accepts
// json.Number (what the codec decodes) exactly, float64 and float32 by
// their shortest representation, every integer type and a
// decimal.Decimal, and stores a decimal.Decimal; strings are never
// numbers; bool accepts bool; time accepts time.Time and an RFC 3339
// string, and stores a time.Time in UTC. A nil value means absent and is
// kept. Fields the schema does not know, whatever their name or value,
// are left alone: minimize deletes them. Fields are checked in schema
// order, so the reported field is deterministic.
func (s *Stage) Apply(r *pipeline.Record) error {
	obj, ok := s.cat.Object(r.Object)
	if !ok {
		return pipeline.Invalid("", "object")
	}
	if err := checkEnvelope(r); err != nil {
		return err
	}
	for _, f := range obj.Fields {
		v, ok := r.Fields[f.Name]
		if !ok || v == nil {
			continue
		}
		c, rule := coerce(f.Type, v)
		if rule != "" {
			return pipeline.Invalid(f.Name, rule)
		}
		r.Fields[f.Name] = c
	}
	return nil
}

// checkEnvelope checks the record attributes outside Fields.
func checkEnvelope(r *pipeline.Record) error {
	if r.Tenant == "" {
		return pipeline.Invalid("tenant", "required")
	}
	switch r.Op {
	case pipeline.OpUpsert:
		if r.Version.IsZero() {
			return pipeline.Invalid("version", "required")
		}
	case pipeline.OpDelete:
	default:
		return pipeline.Invalid("", "op")
	}
	if r.ID == "" {
		return pipeline.Invalid("id", "required")
	}
	if len(r.ID) > MaxStringLen {
		return pipeline.Invalid("id", "length")
	}
	return nil
}
