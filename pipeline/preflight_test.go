package pipeline

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestPreflight(t *testing.T) {
	ok := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name        string
		rec         Record
		field, rule string
	}{
		{"good", Record{Tenant: "a", Object: "deal", ID: "1", Op: OpUpsert, Version: ok,
			Fields: map[string]any{"amount": 1.5, "stage": "x", "close_date": ok, "nested": map[string]any{"a": 1}}}, "", ""},
		{"far date", Record{Tenant: "a", Object: "deal", ID: "1", Op: OpUpsert, Version: ok,
			Fields: map[string]any{"close_date": time.UnixMilli(253402300800000 * 10)}}, "close_date", RuleRange},
		{"year zero version", Record{Tenant: "a", Object: "deal", ID: "1", Op: OpUpsert,
			Version: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}, "version", RuleRange},
		{"nan", Record{Tenant: "a", Object: "deal", ID: "1", Op: OpUpsert, Version: ok,
			Fields: map[string]any{"amount": math.NaN()}}, "amount", RuleRange},
		{"huge", Record{Tenant: "a", Object: "deal", ID: "1", Op: OpUpsert, Version: ok,
			Fields: map[string]any{"name": strings.Repeat("x", 1<<20), "stage": "s"}}, "name", RuleSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Preflight(&tc.rec, 0)
			if tc.rule == "" {
				if err != nil || len(m.Value) == 0 {
					t.Fatalf("Preflight() = %v, want a message", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Preflight() = %v, want a FieldError of kind ErrInvalid", err)
			}
			if fe.Field != tc.field || fe.Rule != tc.rule {
				t.Errorf("Preflight() = field %q rule %q, want %q %q", fe.Field, fe.Rule, tc.field, tc.rule)
			}
		})
	}
}
