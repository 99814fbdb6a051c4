package guard

import (
	"slices"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
)

// Stage is the egress guard. It is safe for concurrent use.
type Stage struct {
	cat *schemas.Catalog
}

// New returns the guard stage for cat, which must not be nil.
func New(cat *schemas.Catalog) *Stage {
	if cat == nil {
		panic("guard: nil catalog")
	}
	return &Stage{cat: cat}
}

// Name returns "guard".
func (s *Stage) Name() string { return "guard" }

// Apply checks r without changing it and returns pipeline.Invalid with
// field "" and rule "key" when r.ID is set or r.Key is not a pseudonym,
// "object" when the object is unknown, and otherwise, for the first bad
// field in name order:
//
//   - "unclassified": the schema does not know the field;
//   - "class": the field may not be stored (contact PII, free text,
//     secret, a person field that refers to nothing);
//   - "pseudonym": an identifier or person field holds a non-empty value
//     that is not a pseudonym;
//   - "type": a value is not a string, decimal.Decimal, float64, bool,
//     time.Time or nil;
//   - "email", "phone", "card", "iban", "ssn": a string value matches the
//     rule (see Scan);
//   - "length": a string value is longer than MaxLen bytes.
func (s *Stage) Apply(r *pipeline.Record) error {
	if r.ID != "" || !pseudonymize.IsPseudonym(r.Key) {
		return pipeline.Invalid("", "key")
	}
	obj, ok := s.cat.Object(r.Object)
	if !ok {
		return pipeline.Invalid("", "object")
	}
	if fieldsOK(obj, r.Fields) {
		return nil
	}
	// Some field is bad: find the first in name order, so that the
	// rejection does not depend on map order.
	var buf [48]string // on the stack for any realistic record
	names := buf[:0]
	for name := range r.Fields {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f, ok := obj.Field(name)
		if !ok {
			return pipeline.Invalid(name, "unclassified")
		}
		if rule := check(f, r.Fields[name]); rule != "" {
			return pipeline.Invalid(name, rule)
		}
	}
	return nil
}

// fieldsOK reports whether every field of fields is classified and passes
// check; unlike Apply's search for the first bad field, it does not sort
// the names.
func fieldsOK(obj *schemas.Object, fields map[string]any) bool {
	for name, v := range fields {
		f, ok := obj.Field(name)
		if !ok || check(f, v) != "" {
			return false
		}
	}
	return true
}

// check returns the rule the value of field f breaks, or "".
func check(f schemas.Field, v any) string {
	if !f.Stored() {
		return "class"
	}
	switch v := v.(type) {
	case nil, float64, decimal.Decimal, bool, time.Time:
		if f.Class == schemas.Identifier || f.Class == schemas.Person {
			if v != nil {
				return "pseudonym"
			}
		}
		return ""
	case string:
		if f.Class == schemas.Identifier || f.Class == schemas.Person {
			if v != "" && !pseudonymize.IsPseudonym(v) {
				return "pseudonym"
			}
			return ""
		}
		return Scan(v)
	}
	return "type"
}

// CountPersonal returns how many personal values r holds: the non-empty
// values of fields whose class is personal (schemas.Class.Personal) that
// are not pseudonyms, plus one for r.ID when it is set and not a
// pseudonym (the ID is the record's identifier). A record of an unknown
// object counts only its ID. The runner counts before the stages and
// after them; after a successful chain the count must be 0.
func CountPersonal(cat *schemas.Catalog, r *pipeline.Record) int {
	n := 0
	if r.ID != "" && !pseudonymize.IsPseudonym(r.ID) {
		n++
	}
	obj, ok := cat.Object(r.Object)
	if !ok {
		return n
	}
	// Walk the schema's personal fields rather than the record's: fields
	// the schema does not know are not counted either way, and a record
	// holds most of its object's non-personal fields.
	for i := range obj.Fields {
		f := &obj.Fields[i]
		if !f.Class.Personal() {
			continue
		}
		switch v := r.Fields[f.Name].(type) {
		case nil:
		case string:
			if v != "" && !pseudonymize.IsPseudonym(v) {
				n++
			}
		default:
			n++
		}
	}
	return n
}
