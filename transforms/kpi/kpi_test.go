package kpi

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
)

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

var day1 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
var day2 = time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)

func deal(fields map[string]any) *pipeline.Record {
	return &pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "deal", Key: "k1", Op: pipeline.OpUpsert, Fields: fields}
}

func newCalc(t *testing.T, names ...string) *Calculator {
	t.Helper()
	c, err := New(schemas.Default(), names)
	if err != nil {
		t.Fatalf("New(%v): %v", names, err)
	}
	return c
}

func TestNewRejectsUnknownAndRepeated(t *testing.T) {
	if _, err := New(schemas.Default(), []string{"nope", "deals_won", "deals_won"}); err == nil {
		t.Error("New(nope, deals_won twice) = nil error")
	}
}

func TestContributions(t *testing.T) {
	all := []string{"deals_won", "revenue_won", "pipeline_created", "leads_created"}
	tests := []struct {
		name string
		kpis []string
		rec  *pipeline.Record
		want []Delta
	}{
		{"nil record", all, nil, nil},
		{"won deal", all, deal(map[string]any{
			"owner_id": "rep1", "is_won": true, "amount": 100.5, "currency": "EUR",
			"close_date": day2, "created_at": day1,
		}), []Delta{
			{Key: Key{Tenant: "t1", Metric: "deals_won", Rep: "rep1", Day: day2}, Value: dec("1"), N: 1},
			{Key: Key{Tenant: "t1", Metric: "pipeline_created", Rep: "rep1", Currency: "EUR", Day: day1}, Value: dec("100.5"), N: 1},
			{Key: Key{Tenant: "t1", Metric: "revenue_won", Rep: "rep1", Currency: "EUR", Day: day2}, Value: dec("100.5"), N: 1},
		}},
		{"open deal without amount", all, deal(map[string]any{
			"owner_id": "rep1", "is_won": false, "amount": nil, "close_date": day2, "created_at": day1,
		}), []Delta{
			{Key: Key{Tenant: "t1", Metric: "pipeline_created", Rep: "rep1", Day: day1}, Value: dec("0"), N: 1},
		}},
		{"no day field", all, deal(map[string]any{"owner_id": "rep1", "is_won": true, "amount": 5.0}), nil},
		{"disabled kpis", []string{"deals_won"}, deal(map[string]any{
			"is_won": true, "amount": 5.0, "close_date": day2, "created_at": day1,
		}), []Delta{
			{Key: Key{Tenant: "t1", Metric: "deals_won", Day: day2}, Value: dec("1"), N: 1},
		}},
		{"lead with dimension", all, &pipeline.Record{Tenant: "t2", Object: "lead", Key: "l1", Fields: map[string]any{
			"owner_id": "rep2", "lead_source": "ORGANIC", "created_at": time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC),
		}}, []Delta{
			{Key: Key{Tenant: "t2", Metric: "leads_created", Rep: "rep2", Dimension: "ORGANIC", Day: day1}, Value: dec("1"), N: 1},
		}},
		{"object without kpis", all, &pipeline.Record{Tenant: "t1", Object: "user", Fields: map[string]any{"created_at": day1}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := newCalc(t, tc.kpis...).Contributions(tc.rec)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Contributions() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	c := newCalc(t, "deals_won", "revenue_won", "pipeline_created")
	open := deal(map[string]any{"owner_id": "rep1", "is_won": false, "amount": 100.0, "currency": "EUR", "close_date": day2, "created_at": day1})
	won := deal(map[string]any{"owner_id": "rep1", "is_won": true, "amount": 150.0, "currency": "EUR", "close_date": day2, "created_at": day1})
	moved := deal(map[string]any{"owner_id": "rep2", "is_won": false, "amount": 100.0, "currency": "EUR", "close_date": day2, "created_at": day1})
	tests := []struct {
		name     string
		old, new *pipeline.Record
		want     []Delta
	}{
		{"insert", nil, open, []Delta{
			{Key: Key{Tenant: "t1", Metric: "pipeline_created", Rep: "rep1", Currency: "EUR", Day: day1}, Value: dec("100"), N: 1},
		}},
		{"delete", open, nil, []Delta{
			{Key: Key{Tenant: "t1", Metric: "pipeline_created", Rep: "rep1", Currency: "EUR", Day: day1}, Value: dec("-100"), N: -1},
		}},
		{"unchanged", open, open, nil},
		{"won with new amount", open, won, []Delta{
			{Key: Key{Tenant: "t1", Metric: "deals_won", Rep: "rep1", Day: day2}, Value: dec("1"), N: 1},
			{Key: Key{Tenant: "t1", Metric: "pipeline_created", Rep: "rep1", Currency: "EUR", Day: day1}, Value: dec("50"), N: 0},
			{Key: Key{Tenant: "t1", Metric: "revenue_won", Rep: "rep1", Currency: "EUR", Day: day2}, Value: dec("150"), N: 1},
		}},
		{"owner change", open, moved, []Delta{
			{Key: Key{Tenant: "t1", Metric: "pipeline_created", Rep: "rep1", Currency: "EUR", Day: day1}, Value: dec("-100"), N: -1},
			{Key: Key{Tenant: "t1", Metric: "pipeline_created", Rep: "rep2", Currency: "EUR", Day: day1}, Value: dec("100"), N: 1},
		}},
		{"both nil", nil, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Diff(tc.old, tc.new)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Diff() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFields(t *testing.T) {
	c := newCalc(t, "deals_won", "revenue_won", "leads_created")
	tests := []struct {
		object string
		want   []string
	}{
		{"deal", []string{"amount", "close_date", "currency", "is_won", "owner_id"}},
		{"lead", []string{"created_at", "lead_source", "owner_id"}},
		{"user", []string{}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, c.Fields(tc.object)); diff != "" {
			t.Errorf("Fields(%q) mismatch (-want +got):\n%s", tc.object, diff)
		}
	}
}

func TestMergeIsExact(t *testing.T) {
	c := newCalc(t, "pipeline_created")
	rec := func(key string, amount any) *pipeline.Record {
		r := deal(map[string]any{"owner_id": "rep1", "amount": amount, "currency": "EUR", "created_at": day1})
		r.Key = key
		return r
	}
	m := Merge(nil, c.Contributions(rec("a", dec("1e300"))), 1)
	m = Merge(m, c.Contributions(rec("b", dec("100"))), 1)
	m = Merge(m, c.Contributions(rec("c", 0.1)), 1)
	m = Merge(m, c.Contributions(rec("d", 0.2)), 1)
	m = Merge(m, c.Contributions(rec("a", dec("1e300"))), -1)
	got := Sorted(m)
	if len(got) != 1 || got[0].Value.String() != "100.3" || got[0].N != 3 {
		t.Fatalf("1e300 + 100 + 0.1 + 0.2 - 1e300 = %v, want one delta of 100.3 over 3 facts", got)
	}
	m = Merge(m, got, -1)
	if rest := Sorted(m); len(rest) != 0 {
		t.Errorf("delta minus itself = %v, want nothing", rest)
	}
}

// TestDiffMatchesMerge checks the merge-pass Diff against its definition,
// Contributions(new) minus Contributions(old) merged in a map, over
// combinations of reps, days, amounts and stages.
func TestDiffMatchesMerge(t *testing.T) {
	c := newCalc(t, "deals_won", "revenue_won", "pipeline_created")
	var recs []*pipeline.Record
	recs = append(recs, nil)
	for _, rep := range []string{"", "rep1", "rep2"} {
		for _, won := range []bool{false, true} {
			for _, amount := range []any{nil, dec("0"), dec("100.5"), dec("-3")} {
				for _, days := range [][2]time.Time{{day1, day2}, {day2, day1}, {day1, day1}} {
					recs = append(recs, deal(map[string]any{"owner_id": rep, "is_won": won, "amount": amount,
						"currency": "EUR", "created_at": days[0], "close_date": days[1]}))
				}
			}
		}
	}
	for i, old := range recs {
		for j, new := range recs {
			want := Sorted(Merge(Merge(nil, c.Contributions(new), 1), c.Contributions(old), -1))
			if diff := cmp.Diff(want, c.Diff(old, new)); diff != "" {
				t.Fatalf("Diff(recs[%d], recs[%d]) mismatch (-want +got):\n%s", i, j, diff)
			}
			prefix := []Delta{{N: 7}}
			if diff := cmp.Diff(append(prefix, want...), c.AppendDiff(prefix, old, new)); diff != "" {
				t.Fatalf("AppendDiff(prefix, recs[%d], recs[%d]) mismatch (-want +got):\n%s", i, j, diff)
			}
		}
	}
}
