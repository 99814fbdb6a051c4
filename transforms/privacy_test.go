package transforms_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/guard"
	"github.com/tally-dev/tally/transforms/pseudonymize"
)

// rawRecord returns a record of object o as it comes back from Kafka,
// every schema field set, the personal field marked holding marker.
func rawRecord(t *testing.T, cat *schemas.Catalog, o, marked, marker string) *pipeline.Record {
	t.Helper()
	obj, _ := cat.Object(o)
	r := &pipeline.Record{
		Tenant: "acme", Source: "hubspot", Object: o, ID: "4711", Op: pipeline.OpUpsert,
		Version: time.Date(2024, 3, 15, 10, 11, 12, 0, time.UTC),
		Fields:  map[string]any{},
	}
	for _, f := range obj.Fields {
		var v any
		switch f.Type {
		case schemas.String:
			v = "value-" + f.Name
		case schemas.Number:
			v = 1250.5
		case schemas.Bool:
			v = true
		case schemas.TimeT:
			v = "2024-03-15T23:30:00-05:00"
		}
		if f.Class.Personal() && f.Type == schemas.String {
			v = "other-" + f.Name + "-4711"
		}
		if f.Name == marked {
			v = marker
		}
		r.Fields[f.Name] = v
	}
	if marked == "id" {
		r.ID = marker
	}
	// Through the log codec, as the runner sees it.
	m, err := pipeline.EncodeRecord(r)
	if err != nil {
		t.Fatalf("EncodeRecord(%s) = %v", o, err)
	}
	dec, _, err := pipeline.Decode(m)
	if err != nil {
		t.Fatalf("Decode(%s) = %v", o, err)
	}
	return dec
}

// Every personal field of every object is dropped or pseudonymized by
// the chain, with every KPI enabled.
func TestEveryPersonalFieldIsDroppedOrPseudonymized(t *testing.T) {
	cat, chain := stages(t)
	checked := 0
	for _, o := range cat.Objects() {
		obj, _ := cat.Object(o)
		for _, f := range obj.Fields {
			if !f.Class.Personal() {
				continue
			}
			checked++
			for _, op := range []pipeline.Op{pipeline.OpUpsert, pipeline.OpDelete} {
				t.Run(fmt.Sprintf("%s.%s/%s", o, f.Name, op), func(t *testing.T) {
					marker := fmt.Sprintf("Jane Doe %s.%s jane.doe@example.org +1 415 555 0134", o, f.Name)
					if f.Type != schemas.String {
						t.Fatalf("field %s.%s of type %s: extend this test for personal non-strings", o, f.Name, f.Type)
					}
					r := rawRecord(t, cat, o, f.Name, marker)
					r.Op = op
					if n := guard.CountPersonal(cat, r); n == 0 {
						t.Fatalf("CountPersonal(raw %s) = 0, want > 0", o)
					}
					if stage, err := pipeline.Chain(chain, r); err != nil {
						t.Fatalf("Chain(%s.%s) failed in %s: %v", o, f.Name, stage, err)
					}
					assertGone(t, cat, r, f, marker)
				})
			}
		}
	}
	if checked == 0 {
		t.Fatal("no personal fields in the catalog: the test proves nothing")
	}
}

func assertGone(t *testing.T, cat *schemas.Catalog, r *pipeline.Record, f schemas.Field, marker string) {
	t.Helper()
	if r.ID != "" || !pseudonymize.IsPseudonym(r.Key) {
		t.Errorf("after the chain ID, Key = %q, %q, want \"\" and a pseudonym", r.ID, r.Key)
	}
	if v, ok := r.Fields[f.Name]; ok {
		s, isString := v.(string)
		if !isString || !pseudonymize.IsPseudonym(s) {
			t.Errorf("after the chain %s.%s = %v, want it dropped or pseudonymized", r.Object, f.Name, v)
		}
	}
	for name, v := range r.Fields {
		if s := fmt.Sprint(v); strings.Contains(s, marker) || strings.Contains(s, "4711") {
			t.Errorf("after the chain %s.%s = %q still holds a raw value", r.Object, name, s)
		}
	}
	if strings.Contains(r.Key, "4711") {
		t.Errorf("after the chain Key = %q holds the raw id", r.Key)
	}
	if n := guard.CountPersonal(cat, r); n != 0 {
		t.Errorf("CountPersonal(after the chain) = %d, want 0", n)
	}
}

// The realistic deal keeps exactly what the KPIs need.
func TestChainDeal(t *testing.T) {
	cat, chain := stages(t)
	r := hubspotDeal()
	if stage, err := pipeline.Chain(chain, r); err != nil {
		t.Fatalf("Chain(deal) failed in %s: %v", stage, err)
	}
	var got []string
	for name := range r.Fields {
		got = append(got, name)
	}
	slices.Sort(got)
	p, _ := cat.Project(cat.KPINames(), cat.Objects())
	if diff := cmp.Diff(p.Fields("deal"), got); diff != "" {
		t.Errorf("Chain(deal) kept fields (-want +got):\n%s", diff)
	}
	if got, want := r.Fields["close_date"], time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC); got != want {
		t.Errorf("Chain(deal) close_date = %v, want %v", got, want)
	}
}
