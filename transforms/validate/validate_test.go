package validate_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/validate"
)

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

var version = time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC)

func deal(fields map[string]any) *pipeline.Record {
	return &pipeline.Record{
		Tenant: "acme", Source: "hubspot", Object: "deal", ID: "9001",
		Op: pipeline.OpUpsert, Version: version, Fields: fields,
	}
}

func TestApplyCoerces(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"json types from kafka",
			map[string]any{"amount": 1250.5, "is_won": true, "stage": "closedwon", "close_date": "2024-03-15T23:30:00+02:00"},
			map[string]any{"amount": dec("1250.5"), "is_won": true, "stage": "closedwon", "close_date": time.Date(2024, 3, 15, 21, 30, 0, 0, time.UTC)}},
		{"json number", map[string]any{"amount": json.Number("12.5")}, map[string]any{"amount": dec("12.5")}},
		{"json number kept exactly", map[string]any{"amount": json.Number("0.10000000000000000000001")}, map[string]any{"amount": dec("0.10000000000000000000001")}},
		{"huge json number", map[string]any{"amount": json.Number("1e300")}, map[string]any{"amount": dec("1e300")}},
		{"float by shortest repr", map[string]any{"amount": 0.1}, map[string]any{"amount": dec("0.1")}},
		{"decimal", map[string]any{"amount": dec("-3.25")}, map[string]any{"amount": dec("-3.25")}},
		{"uint64", map[string]any{"amount": uint64(math.MaxUint64)}, map[string]any{"amount": dec("18446744073709551615")}},
		{"ints", map[string]any{"amount": int64(7)}, map[string]any{"amount": dec("7")}},
		{"uint8", map[string]any{"amount": uint8(7)}, map[string]any{"amount": dec("7")}},
		{"float32", map[string]any{"amount": float32(0.5)}, map[string]any{"amount": dec("0.5")}},
		{"time in a zone", map[string]any{"created_at": time.Date(2024, 1, 1, 0, 30, 0, 0, berlin)},
			map[string]any{"created_at": time.Date(2023, 12, 31, 23, 30, 0, 0, time.UTC)}},
		{"nil is absent", map[string]any{"amount": nil, "close_date": nil}, map[string]any{"amount": nil, "close_date": nil}},
		{"unknown fields left alone",
			map[string]any{"Bad-Name!": []any{1.0}, "hs_custom": map[string]any{"x": "y"}},
			map[string]any{"Bad-Name!": []any{1.0}, "hs_custom": map[string]any{"x": "y"}}},
		{"no fields", nil, nil},
	}
	s := validate.New(schemas.Default())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := deal(tc.in)
			if err := s.Apply(r); err != nil {
				t.Fatalf("Apply(%v) = %v, want nil", tc.name, err)
			}
			if diff := cmp.Diff(tc.want, r.Fields); diff != "" {
				t.Errorf("Apply(%v) fields mismatch (-want +got):\n%s", tc.name, diff)
			}
			for name, v := range r.Fields {
				if tm, ok := v.(time.Time); ok && tm.Location() != time.UTC {
					t.Errorf("Apply(%v) field %s in %v, want UTC", tc.name, name, tm.Location())
				}
			}
		})
	}
}

func TestApplyRejects(t *testing.T) {
	long := strings.Repeat("x", validate.MaxStringLen+1)
	tests := []struct {
		name      string
		edit      func(r *pipeline.Record)
		wantField string
		wantRule  string
	}{
		{"unknown object", func(r *pipeline.Record) { r.Object = "invoice" }, "", "object"},
		{"no tenant", func(r *pipeline.Record) { r.Tenant = "" }, "tenant", "required"},
		{"upsert without id", func(r *pipeline.Record) { r.ID = "" }, "id", "required"},
		{"upsert without version", func(r *pipeline.Record) { r.Version = time.Time{} }, "version", "required"},
		{"delete without id", func(r *pipeline.Record) { r.Op, r.ID = pipeline.OpDelete, "" }, "id", "required"},
		{"unknown op", func(r *pipeline.Record) { r.Op = "merge" }, "", "op"},
		{"long id", func(r *pipeline.Record) { r.ID = long }, "id", "length"},
		{"long string", func(r *pipeline.Record) { r.Fields["stage"] = long }, "stage", "length"},
		{"not utf8", func(r *pipeline.Record) { r.Fields["stage"] = "closed\xffwon" }, "stage", "utf8"},
		{"number as string", func(r *pipeline.Record) { r.Fields["amount"] = "1250" }, "amount", "type"},
		{"NaN", func(r *pipeline.Record) { r.Fields["amount"] = math.NaN() }, "amount", "range"},
		{"Inf", func(r *pipeline.Record) { r.Fields["amount"] = math.Inf(-1) }, "amount", "range"},
		{"bad json number", func(r *pipeline.Record) { r.Fields["amount"] = json.Number("12,5") }, "amount", "type"},
		{"bool as string", func(r *pipeline.Record) { r.Fields["is_won"] = "true" }, "is_won", "type"},
		{"string as number", func(r *pipeline.Record) { r.Fields["stage"] = 3.0 }, "stage", "type"},
		{"time not rfc 3339", func(r *pipeline.Record) { r.Fields["close_date"] = "15/03/2024" }, "close_date", "type"},
		{"time as number", func(r *pipeline.Record) { r.Fields["close_date"] = 1710460800.0 }, "close_date", "type"},
		{"nul in text", func(r *pipeline.Record) { r.Fields["stage"] = "closed\x00won" }, "stage", "nul"},
		{"nested object for a string", func(r *pipeline.Record) { r.Fields["stage"] = map[string]any{"a": "b"} }, "stage", "type"},
		{"array for a number", func(r *pipeline.Record) { r.Fields["amount"] = []any{1.0} }, "amount", "type"},
		{"json number for a string", func(r *pipeline.Record) { r.Fields["currency"] = json.Number("978") }, "currency", "type"},
		{"number beyond numeric", func(r *pipeline.Record) { r.Fields["amount"] = json.Number("1e99000") }, "amount", "range"},
		{"scale beyond numeric", func(r *pipeline.Record) { r.Fields["amount"] = json.Number("1e-16384") }, "amount", "range"},
		{"exponent beyond int64", func(r *pipeline.Record) { r.Fields["amount"] = json.Number("1e99999999999999999999") }, "amount", "range"},
		{"long json number", func(r *pipeline.Record) {
			r.Fields["amount"] = json.Number(strings.Repeat("9", validate.MaxNumberLen+1))
		}, "amount", "length"},
		{"time in year 0", func(r *pipeline.Record) { r.Fields["close_date"] = "0000-12-31T23:00:00Z" }, "close_date", "range"},
		{"time before year 1 in UTC", func(r *pipeline.Record) { r.Fields["close_date"] = "0001-01-01T00:30:00+01:00" }, "close_date", "range"},
		{"time value after 9999", func(r *pipeline.Record) { r.Fields["close_date"] = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "close_date", "range"},
		{"time value before year 1", func(r *pipeline.Record) { r.Fields["close_date"] = time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC) }, "close_date", "range"},
		{"bool as number", func(r *pipeline.Record) { r.Fields["is_won"] = json.Number("1") }, "is_won", "type"},
		{"number as bool", func(r *pipeline.Record) { r.Fields["amount"] = true }, "amount", "type"},
		{"first bad field in schema order", func(r *pipeline.Record) {
			r.Fields["created_at"] = "x"
			r.Fields["owner_id"] = 42.0
		}, "owner_id", "type"},
	}
	s := validate.New(schemas.Default())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := deal(map[string]any{"stage": "closedwon", "amount": 10.0})
			tc.edit(r)
			err := s.Apply(r)
			var fe *pipeline.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, pipeline.ErrInvalid) {
				t.Fatalf("Apply(%s) = %v, want a FieldError of kind ErrInvalid", tc.name, err)
			}
			if fe.Field != tc.wantField || fe.Rule != tc.wantRule {
				t.Errorf("Apply(%s) = field %q rule %q, want field %q rule %q", tc.name, fe.Field, fe.Rule, tc.wantField, tc.wantRule)
			}
		})
	}
}

func TestApplyDeleteNeedsNoVersion(t *testing.T) {
	r := &pipeline.Record{Tenant: "acme", Object: "deal", ID: "9001", Op: pipeline.OpDelete}
	if err := validate.New(schemas.Default()).Apply(r); err != nil {
		t.Errorf("Apply(delete without version) = %v, want nil", err)
	}
}

func TestErrorsHoldNoValues(t *testing.T) {
	secret := "jane.doe@example.org"
	s := validate.New(schemas.Default())
	for _, field := range []string{"amount", "is_won", "close_date", "stage"} {
		r := deal(map[string]any{field: []string{secret}})
		err := s.Apply(r)
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("Apply(%s holding a value) = %v, want an error without the value", field, err)
		}
	}
}

func TestName(t *testing.T) {
	if got := validate.New(schemas.Default()).Name(); got != "validate" {
		t.Errorf("Name() = %q, want %q", got, "validate")
	}
}
