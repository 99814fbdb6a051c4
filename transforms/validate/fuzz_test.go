package validate_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/validate"
)

// fuzzFields are deal fields of every schema type.
var fuzzFields = []string{"stage", "amount", "is_won", "close_date"}

// fuzzValue builds a field value of the shape kind selects from the
// fuzzer's inputs: the shapes connectors, the codec and hostile CRMs
// produce.
func fuzzValue(kind uint8, s string, f float64, i int64) any {
	switch kind % 10 {
	case 0:
		return s
	case 1:
		return json.Number(s)
	case 2:
		return f
	case 3:
		return i
	case 4:
		return i&1 == 1
	case 5:
		return map[string]any{"value": s}
	case 6:
		return []any{s, f}
	case 7:
		return time.Unix(i, int64(f)%1e9)
	case 8:
		return time.UnixMilli(i)
	default:
		if d, err := decimal.Parse(s); err == nil {
			return d
		}
		return s
	}
}

// sameValue reports whether two coerced values are the same value.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case decimal.Decimal:
		y, ok := b.(decimal.Decimal)
		return ok && x.Equal(y) && x.String() == y.String()
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && y.Location() == time.UTC
	}
	return a == b
}

// FuzzCoerce checks value coercion: Apply never panics; a rejection is
// a *pipeline.FieldError naming the field and a value rule, never the
// value; and every accepted value round-trips through the codec: a
// record holding it passes pipeline.Preflight, and Decode then Apply
// give the same value back.
func FuzzCoerce(f *testing.F) {
	f.Add(uint8(1), "1e300", 0.0, int64(0))
	f.Add(uint8(11), "0.1", 0.1, int64(0))
	f.Add(uint8(12), "", 1e300, int64(0))
	f.Add(uint8(0), "closed\x00won", 0.0, int64(0))
	f.Add(uint8(30), "2024-03-15T23:30:00+02:00", 0.0, int64(0))
	f.Add(uint8(37), "", 0.0, int64(253402300800))
	f.Add(uint8(38), "", 0.0, int64(-62135596800001))
	s := validate.New(schemas.Default())
	rules := map[string]bool{validate.RuleType: true, validate.RuleLength: true, validate.RuleUTF8: true,
		validate.RuleNUL: true, validate.RuleRange: true}
	f.Fuzz(func(t *testing.T, kind uint8, str string, fl float64, i int64) {
		field := fuzzFields[int(kind/10)%len(fuzzFields)]
		v := fuzzValue(kind, str, fl, i)
		r := &pipeline.Record{Tenant: "acme", Source: "hubspot", Object: "deal", ID: "9001", Op: pipeline.OpUpsert,
			Version: time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC), Fields: map[string]any{field: v}}
		err := s.Apply(r)
		if err != nil {
			var fe *pipeline.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, pipeline.ErrInvalid) || fe.Field != field || !rules[fe.Rule] {
				t.Fatalf("Apply(%s = %T) = %v, want a FieldError of field %s and a value rule", field, v, err, field)
			}
			return
		}
		got := r.Fields[field]
		m, err := pipeline.Preflight(r, 0)
		if err != nil {
			t.Fatalf("Preflight(accepted %s = %T) = %v, want nil", field, got, err)
		}
		back, _, err := pipeline.Decode(m)
		if err != nil {
			t.Fatalf("Decode(Preflight(accepted %s)) = %v", field, err)
		}
		if err := s.Apply(back); err != nil {
			t.Fatalf("Apply(Decode(accepted %s = %T)) = %v, want nil", field, got, err)
		}
		if again := back.Fields[field]; !sameValue(got, again) {
			t.Fatalf("%s = %v (%T) came back through the codec as %v (%T)", field, got, got, again, again)
		}
	})
}
