package guard_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/guard"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/validate"
)

var keys = func() *pseudonymize.Keyring {
	k, err := pseudonymize.NewKeyring([]byte("guard test master secret, 32 bytes or more"), 1)
	if err != nil {
		panic(err)
	}
	return k
}()

// cleanDeal returns a deal as it leaves generalize.
func cleanDeal() *pipeline.Record {
	return &pipeline.Record{
		Tenant: "acme", Source: "hubspot", Object: "deal", Op: pipeline.OpUpsert,
		Key:     keys.Pseudonym("acme", "deal", "9001"),
		Version: time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC),
		Fields: map[string]any{
			"id":         keys.Pseudonym("acme", "deal", "9001"),
			"owner_id":   keys.Pseudonym("acme", "user", "77"),
			"amount":     1250.0,
			"currency":   "EUR",
			"is_won":     true,
			"stage":      "closedwon",
			"close_date": time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC),
		},
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(r *pipeline.Record)
		wantField string
		wantRule  string // "" means the record passes
	}{
		{"clean", func(*pipeline.Record) {}, "", ""},
		{"nil owner", func(r *pipeline.Record) { r.Fields["owner_id"] = nil }, "", ""},
		{"iso date string in dimension", func(r *pipeline.Record) { r.Fields["stage"] = "2024-03-15" }, "", ""},
		{"numeric stage id", func(r *pipeline.Record) { r.Fields["stage"] = "33215906" }, "", ""},
		{"pseudonym in dimension", func(r *pipeline.Record) { r.Fields["pipeline"] = keys.Pseudonym("acme", "x", "y") }, "", ""},
		{"delete", func(r *pipeline.Record) { r.Op, r.Fields = pipeline.OpDelete, nil }, "", ""},
		{"raw id left", func(r *pipeline.Record) { r.ID = "9001" }, "", "key"},
		{"no key", func(r *pipeline.Record) { r.Key = "" }, "", "key"},
		{"raw key", func(r *pipeline.Record) { r.Key = "9001" }, "", "key"},
		{"unknown object", func(r *pipeline.Record) { r.Object = "invoice" }, "", "object"},
		{"raw owner", func(r *pipeline.Record) { r.Fields["owner_id"] = "77" }, "owner_id", "pseudonym"},
		{"raw id field", func(r *pipeline.Record) { r.Fields["id"] = "9001" }, "id", "pseudonym"},
		{"numeric owner", func(r *pipeline.Record) { r.Fields["owner_id"] = 77.0 }, "owner_id", "pseudonym"},
		{"unclassified field", func(r *pipeline.Record) { r.Fields["hs_note"] = "x" }, "hs_note", "unclassified"},
		{"free text field", func(r *pipeline.Record) { r.Fields["name"] = "Renewal" }, "name", "class"},
		{"odd type", func(r *pipeline.Record) { r.Fields["stage"] = []string{"x"} }, "stage", "type"},
		{"email in dimension", func(r *pipeline.Record) { r.Fields["stage"] = "jane.doe@example.org" }, "stage", "email"},
		{"phone in dimension", func(r *pipeline.Record) { r.Fields["pipeline"] = "call +1 (415) 555-0134 tomorrow" }, "pipeline", "phone"},
		{"card in dimension", func(r *pipeline.Record) { r.Fields["currency"] = "4111 1111 1111 1111" }, "currency", "card"},
		{"iban in dimension", func(r *pipeline.Record) { r.Fields["stage"] = "DE89 3704 0044 0532 0130 00" }, "stage", "iban"},
		{"ssn in dimension", func(r *pipeline.Record) { r.Fields["stage"] = "123-45-6789" }, "stage", "ssn"},
		{"first field by name", func(r *pipeline.Record) {
			r.Fields["stage"] = "123-45-6789"
			r.Fields["currency"] = "jane@example.org"
		}, "currency", "email"},
	}
	s := guard.New(schemas.Default())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := cleanDeal()
			tc.edit(r)
			err := s.Apply(r)
			if tc.wantRule == "" {
				if err != nil {
					t.Errorf("Apply(%s) = %v, want nil", tc.name, err)
				}
				return
			}
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

func TestCountPersonal(t *testing.T) {
	cat := schemas.Default()
	tests := []struct {
		name string
		r    pipeline.Record
		want int
	}{
		{"raw lead", pipeline.Record{Object: "lead", ID: "5", Fields: map[string]any{
			"id": "5", "owner_id": "77", "email": "jane@example.org", "first_name": "Jane",
			"last_name": "", "phone": nil, "lead_source": "ORGANIC_SEARCH", "hs_x": "y",
		}}, 5},
		{"raw user", pipeline.Record{Object: "user", ID: "77", Fields: map[string]any{
			"email": "rep@acme.example", "first_name": "Ann", "is_active": true,
		}}, 3},
		{"transformed deal", *cleanDeal(), 0},
		{"unknown object counts the id", pipeline.Record{Object: "invoice", ID: "1", Fields: map[string]any{"email": "x"}}, 1},
		{"empty", pipeline.Record{Object: "deal"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := guard.CountPersonal(cat, &tc.r); got != tc.want {
				t.Errorf("CountPersonal(%s) = %d, want %d", tc.name, got, tc.want)
			}
		})
	}
}

// Pseudonyms are random-looking base32: none may ever look like personal
// data, alone, in text, or in any field.
func TestPseudonymsNeverTripARule(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := guard.New(schemas.Default())
	rings := []*pseudonymize.Keyring{keys}
	for i := range 12 {
		k, err := pseudonymize.NewKeyring(fmt.Appendf(nil, "another master secret of 32 bytes %d", i), 1+i*7)
		if err != nil {
			t.Fatal(err)
		}
		rings = append(rings, k)
	}
	for range 10000 {
		k := rings[rng.IntN(len(rings))]
		p := k.Pseudonym(fmt.Sprintf("tenant%d", rng.IntN(50)), "user", fmt.Sprint(rng.Uint64()))
		for _, v := range []string{p, "moved to " + p, p + " " + p, p + "-" + p, strings.ToUpper(p)} {
			if rule := guard.Scan(v); rule != "" {
				t.Fatalf("Scan(%q) = %q, want \"\"", v, rule)
			}
		}
		r := cleanDeal()
		r.Key, r.Fields["id"], r.Fields["owner_id"], r.Fields["stage"] = p, p, p, p
		if err := s.Apply(r); err != nil {
			t.Fatalf("Apply(record of pseudonym %s) = %v, want nil", p, err)
		}
	}
}

func TestMaxLenMatchesValidate(t *testing.T) {
	if guard.MaxLen != validate.MaxStringLen {
		t.Errorf("guard.MaxLen = %d, want validate.MaxStringLen %d", guard.MaxLen, validate.MaxStringLen)
	}
	if got := guard.Scan(strings.Repeat("a", guard.MaxLen+1)); got != "length" {
		t.Errorf("Scan(%d bytes) = %q, want %q", guard.MaxLen+1, got, "length")
	}
}
