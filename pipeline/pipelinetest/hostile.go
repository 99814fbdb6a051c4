package pipelinetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/validate"
)

// Poison names a hostile value a fake plants in one record.
type Poison string

// The poisons every connector's fake plants (where its wire format can
// carry them; see HostileFake.Plant).
const (
	PoisonNUL       Poison = "nul"        // a text field holding U+0000
	PoisonHuge      Poison = "huge"       // a text field holding 1.5 MB
	PoisonFarDate   Poison = "far_date"   // a time field outside years 1–9999
	PoisonNested    Poison = "nested"     // a scalar field holding a JSON object or array
	PoisonWrongType Poison = "wrong_type" // a number where a string belongs, or the reverse
)

// Poisons lists every poison with the quarantine rules that may reject it
// (pipeline.Preflight's or the validate stage's).
var Poisons = map[Poison][]string{
	PoisonNUL:       {"nul"},
	PoisonHuge:      {pipeline.RuleSize, "length"},
	PoisonFarDate:   {pipeline.RuleRange, "type"},
	PoisonNested:    {"type"},
	PoisonWrongType: {"type"},
}

// HostileFake is a Fake that can serve hostile data. Every connector's
// fake implements it; the suite fails for one that does not.
type HostileFake interface {
	Fake
	// Plant makes one record in the middle of a page that also holds
	// good records carry p in a field the projection pulls, and returns
	// the record's source id and the canonical field the value lands in.
	// ok is false only when the vendor's wire format cannot carry p at
	// all (a CSV cell cannot hold a nested object); the suite skips that
	// poison for this fake and says so.
	Plant(t *testing.T, p Poison) (id, field string, ok bool)
	// Cycle makes the object's paging cursor repeat (A → B → A …) from
	// now on, the server still answering every page. ok is false when the
	// source has no cursor paging (a local file).
	Cycle(t *testing.T) (ok bool)
}

// Screen applies what stands between a connector's record and the
// warehouse: pipeline.Preflight (at publish) and the validate stage. It
// returns nil or the rejecting *pipeline.FieldError.
func Screen(r pipeline.Record) error {
	if _, err := pipeline.Preflight(&r, 0); err != nil {
		return err
	}
	return validate.New(schemas.Default()).Apply(&r)
}

func hostile(t *testing.T, h Harness) {
	_, fake := h.New(t, false)
	if _, ok := fake.(HostileFake); !ok {
		t.Fatalf("the fake %T does not implement pipelinetest.HostileFake", fake)
	}
	for _, p := range slices.Sorted(maps.Keys(Poisons)) {
		t.Run(string(p), func(t *testing.T) { poisoned(t, h, p) })
	}
	t.Run("CursorCycleEnds", func(t *testing.T) { cycle(t, h) })
}

func poisoned(t *testing.T, h Harness, p Poison) {
	src, fake := open(t, h, false)
	id, field, ok := fake.(HostileFake).Plant(t, p)
	if !ok {
		t.Skipf("the vendor's format cannot carry poison %s", p)
	}
	recs := pass(t, src, h.Object, "").Records()
	up, _ := ids(recs)
	if len(up) != h.Records {
		t.Errorf("pass with poison %s emitted %d records, want %d (the page's good records must go on)", p, len(up), h.Records)
	}
	if up[id] == 0 {
		t.Fatalf("poisoned record %s was not emitted; it must be, so that it is quarantined with its rule", id)
	}
	for _, r := range recs {
		err := Screen(r)
		if r.ID != id || r.Op != pipeline.OpUpsert {
			if err != nil {
				t.Errorf("good record %s rejected: %v", r.ID, err)
			}
			continue
		}
		var fe *pipeline.FieldError
		if !errors.As(err, &fe) || !errors.Is(err, pipeline.ErrInvalid) {
			t.Fatalf("poisoned record %s: Screen = %v, want a FieldError of kind ErrInvalid", id, err)
		}
		if fe.Field != field || !slices.Contains(Poisons[p], fe.Rule) {
			t.Errorf("poisoned record %s rejected as field %q rule %q, want field %q with a rule of %v", id, fe.Field, fe.Rule, field, Poisons[p])
		}
	}
}

func cycle(t *testing.T, h Harness) {
	src, fake := open(t, h, false)
	if !fake.(HostileFake).Cycle(t) {
		t.Skip("the source has no cursor paging")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := len(fake.Requests())
	err := src.Sync(ctx, h.Object, "", &Collector{})
	if err == nil || ctx.Err() != nil {
		t.Fatalf("Sync over a repeating cursor = %v (ctx %v), want an error naming the loop", err, ctx.Err())
	}
	if n := len(fake.Requests()) - before; n > 50 {
		t.Errorf("a repeating cursor made %d requests before the pass stopped, want a few", n)
	}
}

// ScreenEach asserts that recs are one record per want, each screened
// as want says: "" passes, else the rejecting FieldError's text.
func ScreenEach(t testing.TB, recs []pipeline.Record, want []string) {
	t.Helper()
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		got := ""
		if err := Screen(r); err != nil {
			got = err.Error()
		}
		if got != want[i] {
			t.Errorf("record %d: Screen = %q, want %q", i, got, want[i])
		}
	}
}

// FuzzedPage checks a connector's page decoder on a fuzzed body b, where
// err is what the decoder returned: a body that is not JSON must fail
// (ok is then false: nothing more to check). For valid JSON it returns b
// decoded generically (numbers as json.Number, so 1e400 is valid; nil
// when b is not an object), for the caller to check the decoder's page
// against.
func FuzzedPage(t testing.TB, b []byte, err error) (generic map[string]any, ok bool) {
	t.Helper()
	if !json.Valid(b) {
		if err == nil {
			t.Fatal("parsePage accepted a body that is not JSON")
		}
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	_ = d.Decode(&generic)
	return generic, true
}
