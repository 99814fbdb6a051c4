package warehouse_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

// TestWriteFindsStoredKeys re-writes facts whose keys hold the bytes the
// stored-fact lookup treats specially (its separator, quotes, braces,
// commas, backslashes, spaces, NULL as text) with newer versions: each
// must replace its stored fact, never add a second one.
func TestWriteFindsStoredKeys(t *testing.T) {
	keys := []string{"plain", "a\x1fb", `q"uote`, "{brace}", "com,ma", `back\slash`, "sp ace", "NULL", "ü"}
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		for v, stage := range []string{"s1", "s2"} {
			var recs []pipeline.Record
			for _, k := range keys {
				recs = append(recs, upsert(k, v+1, wonDeal(stage, 10)))
			}
			write(t, w, recs...)
			// Without the separator, the keys travel as one text value.
			write(t, w, upsert("plain", v+1, wonDeal(stage, 10)), upsert("other", v+1, wonDeal(stage, 10)))
		}
		want := map[string]string{"other": "s2"}
		for _, k := range keys {
			want[k] = "s2"
		}
		if diff := cmp.Diff(want, dealStages(t, w)); diff != "" {
			t.Errorf("stored deals (-want +got):\n%s", diff)
		}
		if n := countRows(t, w, "deal_facts", ""); n != int64(len(want)) {
			t.Errorf("deal_facts has %d rows, want %d", n, len(want))
		}
		assertConsistent(t, w, allKPIs)
	})
}
