package minimize_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/minimize"
)

func fullProjection(t *testing.T) schemas.Projection {
	t.Helper()
	cat := schemas.Default()
	p, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		t.Fatalf("Project(all) = %v", err)
	}
	return p
}

func TestApply(t *testing.T) {
	day := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		object string
		op     pipeline.Op
		in     map[string]any
		want   map[string]any
	}{
		{"deal keeps kpi fields", "deal", pipeline.OpUpsert,
			map[string]any{
				"id": "9001", "owner_id": "77", "amount": 10.0, "currency": "EUR", "is_won": true,
				"close_date": day, "created_at": day,
				"name": "Jane Doe renewal", "description": "call +1 415 555 0134", "stage": "closedwon",
				"pipeline": "default", "is_closed": true, "hs_secret_note": "x", "Bad-Name!": 1.0,
			},
			map[string]any{
				"id": "9001", "owner_id": "77", "amount": 10.0, "currency": "EUR", "is_won": true,
				"close_date": day, "created_at": day,
			}},
		{"lead drops contact pii", "lead", pipeline.OpUpsert,
			map[string]any{
				"id": "5", "owner_id": "77", "lead_source": "ORGANIC_SEARCH", "created_at": day,
				"email": "jane.doe@example.org", "first_name": "Jane", "last_name": "Doe",
				"phone": "+1 415 555 0134", "company": "Doe Ltd", "lifecycle_stage": "lead",
			},
			map[string]any{"id": "5", "owner_id": "77", "lead_source": "ORGANIC_SEARCH", "created_at": day}},
		{"user drops person fields without refers", "user", pipeline.OpUpsert,
			map[string]any{"id": "77", "email": "rep@acme.example", "first_name": "Ann", "last_name": "Rep", "is_active": true},
			map[string]any{"id": "77"}},
		{"delete keeps nothing", "deal", pipeline.OpDelete,
			map[string]any{"id": "9001", "amount": 10.0}, nil},
		{"unprojected object keeps nothing", "invoice", pipeline.OpUpsert,
			map[string]any{"id": "1", "total": 3.0}, nil},
	}
	s, err := minimize.New(schemas.Default(), fullProjection(t))
	if err != nil {
		t.Fatalf("New(full projection) = %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &pipeline.Record{Tenant: "acme", Object: tc.object, ID: "1", Op: tc.op, Fields: tc.in}
			if err := s.Apply(r); err != nil {
				t.Fatalf("Apply(%s) = %v, want nil", tc.name, err)
			}
			if diff := cmp.Diff(tc.want, r.Fields); diff != "" {
				t.Errorf("Apply(%s) fields mismatch (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}

func TestNewRejectsUnstorableProjection(t *testing.T) {
	tests := []struct {
		name     string
		p        schemas.Projection
		wantText []string
	}{
		{"contact pii", schemas.Projection{"lead": {"email": {"kpi x"}}}, []string{"lead", "email", "contact_pii"}},
		{"free text", schemas.Projection{"deal": {"name": {"kpi x"}}}, []string{"deal", "name", "free_text"}},
		{"person without refers", schemas.Projection{"user": {"first_name": {"kpi x"}}}, []string{"user", "first_name", "person"}},
		{"unknown field", schemas.Projection{"deal": {"hs_note": {"kpi x"}}}, []string{"unknown field hs_note"}},
		{"unknown object", schemas.Projection{"invoice": {"id": {"record key"}}}, []string{"unknown object invoice"}},
		{"every problem", schemas.Projection{"lead": {"email": nil, "phone": nil}}, []string{"email", "phone"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := minimize.New(schemas.Default(), tc.p)
			if s != nil || !errors.Is(err, pipeline.ErrConfig) {
				t.Fatalf("New(%v) = %v, %v, want nil and an ErrConfig", tc.p, s, err)
			}
			for _, w := range tc.wantText {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New(%v) error %q, want it to mention %q", tc.p, err, w)
				}
			}
		})
	}
}

func TestKeeps(t *testing.T) {
	s, err := minimize.New(schemas.Default(), fullProjection(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		object, field string
		want          bool
	}{{"deal", "amount", true}, {"deal", "name", false}, {"lead", "email", false}, {"user", "id", true}} {
		if got := s.Keeps(tc.object, tc.field); got != tc.want {
			t.Errorf("Keeps(%s, %s) = %v, want %v", tc.object, tc.field, got, tc.want)
		}
	}
}
