package pseudonymize_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
)

func TestApply(t *testing.T) {
	k := keyring(t, 1)
	day := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		in      pipeline.Record
		wantKey string
		want    map[string]any
	}{
		{"deal",
			pipeline.Record{Tenant: "acme", Object: "deal", ID: "9001", Op: pipeline.OpUpsert,
				Fields: map[string]any{"id": "9001", "owner_id": "77", "amount": 10.0, "close_date": day}},
			k.Pseudonym("acme", "deal", "9001"),
			map[string]any{"id": k.Pseudonym("acme", "deal", "9001"), "owner_id": k.Pseudonym("acme", "user", "77"), "amount": 10.0, "close_date": day}},
		{"user",
			pipeline.Record{Tenant: "acme", Object: "user", ID: "77", Op: pipeline.OpUpsert,
				Fields: map[string]any{"id": "77", "is_active": true}},
			k.Pseudonym("acme", "user", "77"),
			map[string]any{"id": k.Pseudonym("acme", "user", "77"), "is_active": true}},
		{"empty owner means none",
			pipeline.Record{Tenant: "acme", Object: "lead", ID: "5", Op: pipeline.OpUpsert,
				Fields: map[string]any{"owner_id": "", "lead_source": "ORGANIC_SEARCH"}},
			k.Pseudonym("acme", "lead", "5"),
			map[string]any{"owner_id": nil, "lead_source": "ORGANIC_SEARCH"}},
		{"delete",
			pipeline.Record{Tenant: "acme", Object: "deal", ID: "9001", Op: pipeline.OpDelete},
			k.Pseudonym("acme", "deal", "9001"),
			nil},
	}
	s := pseudonymize.New(k, schemas.Default())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.in
			if err := s.Apply(&r); err != nil {
				t.Fatalf("Apply(%s) = %v, want nil", tc.name, err)
			}
			if r.ID != "" || r.Key != tc.wantKey {
				t.Errorf("Apply(%s) ID, Key = %q, %q, want \"\", %q", tc.name, r.ID, r.Key, tc.wantKey)
			}
			if diff := cmp.Diff(tc.want, r.Fields); diff != "" {
				t.Errorf("Apply(%s) fields mismatch (-want +got):\n%s", tc.name, diff)
			}
		})
	}
}

// The rep pseudonym of a deal's owner is the key of the user record, so
// KPIs per rep join to the identity vault without the raw id.
func TestOwnerMatchesUserKey(t *testing.T) {
	s := pseudonymize.New(keyring(t, 1), schemas.Default())
	d := &pipeline.Record{Tenant: "acme", Object: "deal", ID: "9001", Op: pipeline.OpUpsert, Fields: map[string]any{"owner_id": "77"}}
	u := &pipeline.Record{Tenant: "acme", Object: "user", ID: "77", Op: pipeline.OpUpsert}
	if err := errors.Join(s.Apply(d), s.Apply(u)); err != nil {
		t.Fatal(err)
	}
	if d.Fields["owner_id"] != u.Key {
		t.Errorf("deal owner_id = %v, want the user's key %v", d.Fields["owner_id"], u.Key)
	}
}

func TestApplyRejects(t *testing.T) {
	tests := []struct {
		name      string
		r         pipeline.Record
		wantField string
		wantRule  string
	}{
		{"unknown object", pipeline.Record{Tenant: "acme", Object: "invoice", ID: "1"}, "", "object"},
		{"no id", pipeline.Record{Tenant: "acme", Object: "deal"}, "id", "required"},
		{"person without refers", pipeline.Record{Tenant: "acme", Object: "user", ID: "77",
			Fields: map[string]any{"first_name": "Ann"}}, "first_name", "unpseudonymized"},
		{"owner not a string", pipeline.Record{Tenant: "acme", Object: "deal", ID: "1",
			Fields: map[string]any{"owner_id": 77.0}}, "owner_id", "type"},
	}
	s := pseudonymize.New(keyring(t, 1), schemas.Default())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Apply(&tc.r)
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
