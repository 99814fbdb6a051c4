package suppress_test

import (
	"errors"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/suppress"
)

var master = []byte("0123456789abcdef0123456789abcdef")

func TestApply(t *testing.T) {
	tokens, _ := suppress.NewTokens(master)
	st := suppress.New(tokens, schemas.Default())
	st.Update(pipeline.Suppressed{"t1": {
		tokens.Token("t1", "user", "u1"): {},
		tokens.Token("t1", "lead", "c1"): {},
	}})
	cases := []struct {
		name string
		rec  pipeline.Record
		drop bool
	}{
		{"suppressed user", pipeline.Record{Tenant: "t1", Object: "user", ID: "u1"}, true},
		{"deal owned by suppressed rep", pipeline.Record{Tenant: "t1", Object: "deal", ID: "d1", Fields: map[string]any{"owner_id": "u1"}}, true},
		{"suppressed contact", pipeline.Record{Tenant: "t1", Object: "lead", ID: "c1"}, true},
		{"other rep's deal", pipeline.Record{Tenant: "t1", Object: "deal", ID: "d2", Fields: map[string]any{"owner_id": "u2"}}, false},
		{"same id, other tenant", pipeline.Record{Tenant: "t2", Object: "user", ID: "u1"}, false},
		{"same id, other kind", pipeline.Record{Tenant: "t1", Object: "deal", ID: "u1"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := st.Apply(&tc.rec)
			if got := errors.Is(err, pipeline.ErrDrop); got != tc.drop {
				t.Errorf("Apply(%s) dropped = %v (%v), want %v", tc.name, got, err, tc.drop)
			}
		})
	}
}

func TestTokensAreTenantScopedAndStable(t *testing.T) {
	a, _ := suppress.NewTokens(master)
	b, _ := suppress.NewTokens(master)
	if got, want := a.Token("t1", "user", "u1"), b.Token("t1", "user", "u1"); got != want {
		t.Errorf("Token = %s, want the same token from the same master (%s)", got, want)
	}
	if a.Token("t1", "user", "u1") == a.Token("t2", "user", "u1") {
		t.Errorf("tokens of two tenants are equal; want unlinkable")
	}
}
