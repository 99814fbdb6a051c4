package salesforce

import (
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// FuzzDecodePage feeds query answers to the page decoder and the record
// mapping of every sObject (corpus: testdata/fuzz/FuzzDecodePage, from
// the vendor fixtures). Nothing may panic; a page fails as a whole only
// when it is not a JSON object with a records array and a boolean done;
// every element of records is a record or counted as unreadable; every
// record has an id and goes through Preflight without panicking.
func FuzzDecodePage(f *testing.F) {
	fx := newFixture(f, setup{noOpen: true, projection: allFields()})
	var plans []*plan
	for _, o := range fx.src.Objects() {
		plans = append(plans, fx.src.plans[o]...)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pg, err := parsePage(b)
		generic, ok := pipelinetest.FuzzedPage(t, b, err)
		if !ok {
			return
		}
		recs, isArray := generic["records"].([]any)
		_, isBool := generic["done"].(bool)
		if isArray && isBool && err != nil {
			t.Fatalf("parsePage failed a JSON page with records and done: %v", err)
		}
		if err != nil {
			return
		}
		if isArray && len(pg.Records)+pg.Unreadable != len(recs) {
			t.Fatalf("%d records + %d unreadable, want the %d elements of records", len(pg.Records), pg.Unreadable, len(recs))
		}
		for _, p := range plans {
			var m mark
			for _, r := range fx.src.records(p, pg.Records, &m, &passStats{}) {
				if r.ID == "" {
					t.Fatalf("record without an id from %s", p.name)
				}
				_, _ = pipeline.Preflight(&r, 0)
			}
		}
	})
}
