package pipedrive

import (
	"encoding/json"
	"testing"

	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// FuzzDecodePage feeds arbitrary bodies to the page decoder and the
// record mapping of deals (in every listing phase), activities and users.
// A body either fails as a whole or yields one record per item (a deleted
// or archived listing's item that does not say so itself is counted
// instead); nothing panics or hangs, and every record can be screened.
// The seed corpus in testdata/fuzz/FuzzDecodePage is built from the
// vendor sample in /work/shared/fixtures/pipedrive.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"success":true,"data":[{"id":1,"value":5}],"additional_data":{"next_cursor":null}}`))
	var passes []*pass
	for _, ph := range []string{phaseLive, phaseDeleted, phaseArchived} {
		passes = append(passes, testPass(ph))
	}
	for _, o := range []string{"activity", "user"} {
		ps := testPass(phaseLive)
		ps.p = newPlan(o, allFields()[o])
		passes = append(passes, ps)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var pg page
		if err := decodePage(&pg)(body); err != nil {
			return
		}
		var raw struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &raw); err != nil {
			t.Fatalf("decodePage accepted a body whose data is not an array: %v", err)
		}
		_ = pg.next()
		for _, ps := range passes {
			ps.notDeleted = 0
			recs := ps.records(pg.Data)
			if len(recs)+ps.notDeleted != len(raw.Data) {
				t.Fatalf("%s %s: %d records and %d skipped from %d items", ps.p.object, ps.c.Phase, len(recs), ps.notDeleted, len(raw.Data))
			}
			for _, r := range recs {
				_ = pipelinetest.Screen(r)
			}
		}
	})
}
