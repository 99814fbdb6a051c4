package bullhorn

import (
	"testing"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// FuzzDecodePage feeds query answers to the page decoder and the record
// mapping of every entity (corpus: testdata/fuzz/FuzzDecodePage, from
// the vendor fixtures). Nothing may panic; a page fails as a whole only
// when it is not a JSON object with a data array; every element of data
// is an item or counted as unreadable; every record has an id and goes
// through Preflight without panicking.
func FuzzDecodePage(f *testing.F) {
	fx := newFixture(f, bullhorntest.Sizes{Users: 1, Placements: 1}, serverOptions(), nil)
	var plans []*plan
	for _, o := range fx.src.Objects() {
		plans = append(plans, fx.src.plans[o])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pg, err := parsePage(b)
		generic, ok := pipelinetest.FuzzedPage(t, b, err)
		if !ok {
			return
		}
		data, isArray := generic["data"].([]any)
		if isArray && err != nil {
			t.Fatalf("parsePage failed a JSON page with a data array: %v", err)
		}
		if err != nil {
			return
		}
		if len(pg.Data)+pg.Unreadable != len(data) {
			t.Fatalf("%d items + %d unreadable, want the %d elements of data", len(pg.Data), pg.Unreadable, len(data))
		}
		for _, p := range plans {
			ps := &pass{s: fx.src, p: p}
			for _, item := range pg.Data {
				r, _, _, ok := ps.record(item)
				if !ok || r.Op == "" {
					continue
				}
				if r.ID == "" {
					t.Fatalf("record without an id from %s", p.entity)
				}
				_, _ = pipeline.Preflight(&r, 0)
			}
		}
	})
}
