package generalize_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/generalize"
)

func TestApply(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	honolulu := time.FixedZone("HST", -10*3600)
	utcDay := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"day in utc", map[string]any{"close_date": time.Date(2024, 3, 15, 23, 59, 59, 999, time.UTC)},
			map[string]any{"close_date": utcDay(2024, 3, 15)}},
		{"day before in utc", map[string]any{"close_date": time.Date(2024, 3, 15, 8, 0, 0, 0, tokyo)},
			map[string]any{"close_date": utcDay(2024, 3, 14)}},
		{"day after in utc", map[string]any{"created_at": time.Date(2024, 12, 31, 20, 0, 0, 0, honolulu)},
			map[string]any{"created_at": utcDay(2025, 1, 1)}},
		{"leap day", map[string]any{"close_date": time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)},
			map[string]any{"close_date": utcDay(2024, 2, 29)}},
		{"amount and currency unchanged", map[string]any{"amount": 1250.75, "currency": "JPY", "stage": "closedwon"},
			map[string]any{"amount": 1250.75, "currency": "JPY", "stage": "closedwon"}},
		{"nil time", map[string]any{"close_date": nil}, map[string]any{"close_date": nil}},
	}
	s := generalize.New(schemas.Default())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &pipeline.Record{Tenant: "acme", Object: "deal", Op: pipeline.OpUpsert, Fields: tc.in}
			if err := s.Apply(r); err != nil {
				t.Fatalf("Apply(%s) = %v, want nil", tc.name, err)
			}
			if diff := cmp.Diff(tc.want, r.Fields); diff != "" {
				t.Errorf("Apply(%s) fields mismatch (-want +got):\n%s", tc.name, diff)
			}
			for name, v := range r.Fields {
				if tm, ok := v.(time.Time); ok && (tm.Location() != time.UTC || tm != tm.Round(0)) {
					t.Errorf("Apply(%s) field %s = %#v, want UTC without monotonic reading", tc.name, name, tm)
				}
			}
		})
	}
}

func TestGeneralize(t *testing.T) {
	in := time.Date(2024, 3, 15, 8, 30, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		granularity string
		want        time.Time
	}{
		{"day", time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"", time.Date(2024, 3, 15, 7, 30, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		got := generalize.Generalize(in, tc.granularity)
		if !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("Generalize(%v, %q) = %v, want %v", in, tc.granularity, got, tc.want)
		}
	}
	if got := generalize.Generalize(time.Now(), ""); got != got.Round(0) {
		t.Errorf("Generalize(time.Now(), \"\") kept the monotonic clock reading")
	}
}

func TestApplyRejects(t *testing.T) {
	tests := []struct {
		name      string
		r         pipeline.Record
		wantField string
		wantRule  string
	}{
		{"unknown object", pipeline.Record{Object: "invoice"}, "", "object"},
		{"string time", pipeline.Record{Object: "deal", Fields: map[string]any{"close_date": "2024-03-15T10:00:00Z"}}, "close_date", "type"},
	}
	s := generalize.New(schemas.Default())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Apply(&tc.r)
			var fe *pipeline.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.wantField || fe.Rule != tc.wantRule {
				t.Errorf("Apply(%s) = %v, want field %q rule %q", tc.name, err, tc.wantField, tc.wantRule)
			}
		})
	}
}
