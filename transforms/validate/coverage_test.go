package validate_test

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/validate"
)

// poisons are the hostile values of issue 9 that each schema type must
// refuse, with the rule, keyed by type. A value that is fine for the
// type is not listed under it.
var poisons = map[schemas.Type][]struct {
	name string
	v    any
	rule string
}{
	schemas.String: {
		{"nul", "a\x00b", validate.RuleNUL},
		{"invalid utf8", "a\xffb", validate.RuleUTF8},
		{"nested object", map[string]any{"k": "v"}, validate.RuleType},
		{"array", []any{"v"}, validate.RuleType},
		{"json number", json.Number("42"), validate.RuleType},
		{"float", 42.0, validate.RuleType},
		{"bool", true, validate.RuleType},
	},
	schemas.Number: {
		{"string", "42", validate.RuleType},
		{"nested object", map[string]any{"k": 1.0}, validate.RuleType},
		{"array", []any{1.0}, validate.RuleType},
		{"bool", true, validate.RuleType},
		{"not a number", json.Number("4 2"), validate.RuleType},
		{"NaN", math.NaN(), validate.RuleRange},
		{"Inf", math.Inf(1), validate.RuleRange},
		{"too many integer digits", json.Number("1e99000"), validate.RuleRange},
		{"too many fractional digits", json.Number("1e-16384"), validate.RuleRange},
		{"exponent beyond int64", json.Number("-9e9223372036854775808"), validate.RuleRange},
	},
	schemas.Bool: {
		{"string", "true", validate.RuleType},
		{"number", json.Number("1"), validate.RuleType},
		{"nested object", map[string]any{}, validate.RuleType},
		{"array", []any{true}, validate.RuleType},
	},
	schemas.TimeT: {
		{"not rfc 3339", "2024-13-45", validate.RuleType},
		{"epoch millis", json.Number("1710460800000"), validate.RuleType},
		{"nested object", map[string]any{"t": "2024-01-01T00:00:00Z"}, validate.RuleType},
		{"array", []any{}, validate.RuleType},
		{"year 0", "0000-06-01T00:00:00Z", validate.RuleRange},
		{"after 9999", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), validate.RuleRange},
		{"before year 1", time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC), validate.RuleRange},
	},
}

// TestEveryFieldRefusesPoison feeds every poison of its type to every
// classified field of every object of the catalog, so a schema type
// without rules, or a new object, cannot slip through: the rejection is
// a *pipeline.FieldError naming the field and the rule, and never the
// value.
func TestEveryFieldRefusesPoison(t *testing.T) {
	cat := schemas.Default()
	s := validate.New(cat)
	types := map[schemas.Type]bool{}
	for _, name := range cat.Objects() {
		o, _ := cat.Object(name)
		for _, f := range o.Fields {
			types[f.Type] = true
			cases, ok := poisons[f.Type]
			if !ok {
				t.Errorf("field %s.%s: type %s has no poisons", name, f.Name, f.Type)
				continue
			}
			for _, p := range cases {
				r := &pipeline.Record{Tenant: "acme", Object: name, ID: "1", Op: pipeline.OpUpsert, Version: version,
					Fields: map[string]any{f.Name: p.v}}
				err := s.Apply(r)
				var fe *pipeline.FieldError
				if !errors.As(err, &fe) || !errors.Is(err, pipeline.ErrInvalid) {
					t.Errorf("%s.%s = %s: Apply = %v, want a FieldError", name, f.Name, p.name, err)
					continue
				}
				if fe.Field != f.Name || fe.Rule != p.rule {
					t.Errorf("%s.%s = %s: field %q rule %q, want field %q rule %q", name, f.Name, p.name, fe.Field, fe.Rule, f.Name, p.rule)
				}
				if msg := err.Error(); msg != "field "+f.Name+": rule "+p.rule {
					t.Errorf("%s.%s = %s: error %q says more than field and rule", name, f.Name, p.name, msg)
				}
			}
		}
	}
	for _, typ := range []schemas.Type{schemas.String, schemas.Number, schemas.Bool, schemas.TimeT} {
		if !types[typ] {
			t.Errorf("no schema field of type %s: drop its poisons or add a field", typ)
		}
	}
}
