package hubspot

import (
	"encoding/json"
	"testing"

	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// FuzzDecodePage feeds arbitrary bodies to the page decoder and the
// record mapping of deals and owners, live and archived. A body either
// fails as a whole or yields one record per item (an archived listing's
// item that is not itself archived is counted instead); nothing panics
// or hangs, and every record can be screened. The seed corpus in
// testdata/fuzz/FuzzDecodePage is built from the vendor samples in
// /work/shared/fixtures/hubspot.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"results":[{"id":"1","properties":{"amount":"5"}}]}`))
	deals := testPass()
	owners := testPass()
	owners.p, _ = newPlan("user", allFields()["user"])
	f.Fuzz(func(t *testing.T, body []byte) {
		var pg page
		if err := decodePage(&pg)(body); err != nil {
			return
		}
		var raw struct {
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("decodePage accepted a body whose results are not an array: %v", err)
		}
		for _, ps := range []*pass{deals, owners} {
			for _, deletes := range []bool{false, true} {
				ps.notArchived = 0
				recs := ps.records(pg.Results, deletes)
				if len(recs)+ps.notArchived != len(raw.Results) {
					t.Fatalf("%s (deletes %v): %d records and %d skipped from %d items",
						ps.p.canonical, deletes, len(recs), ps.notArchived, len(raw.Results))
				}
				for _, r := range recs {
					_ = pipelinetest.Screen(r)
				}
			}
		}
	})
}
