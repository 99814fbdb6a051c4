package pipeline

import (
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzEmit runs a page of a good record, a fuzzed one and another good
// one through the emitter, with a fuzzed broker limit: it never fails,
// both good records and the checkpoint are published in order, and the
// fuzzed record is published as itself or as a reject stub without its
// values.
func FuzzEmit(f *testing.F) {
	f.Add("1", "stage", "won", 1.5, int64(1714557600000), 0, 0)
	f.Add("2", "name", strings.Repeat("v", 3000), math.NaN(), int64(-62_135_596_800_001), 2000, 1000)
	f.Add("3\xff", "note", "caf\xe9", math.Inf(1), int64(9_404_784_000_000_000), 0, 500)
	f.Fuzz(func(t *testing.T, id, field, s string, n float64, ms int64, brokerLimit, pad int) {
		good := func(id string) Record {
			return deal(id, map[string]any{"amount": 1.0, "stage": "won"})
		}
		fields := map[string]any{field: s, "n": n, "t": time.UnixMilli(ms), "pad": strings.Repeat("p", max(0, min(pad, 6000)))}
		recs := []Record{good("g1"), {ID: id, Op: OpUpsert, Version: time.UnixMilli(ms), Fields: fields}, good("g2")}
		l := &memLog{limit: max(0, min(brokerLimit, 1<<20))}
		if l.limit > 0 && l.limit < 600 {
			l.limit += 600 // the broker takes the good records and the stubs
		}
		got, cps, _ := emitPage(t, &Runner{MaxMessageBytes: 4096}, l, recs)
		if len(cps) != 2 {
			t.Fatalf("published %d checkpoints, want 2", len(cps))
		}
		var ids []string
		for i, g := range got {
			if i > 0 && g.ID == got[i-1].ID && g.ID != "" {
				continue // published again after a refused call
			}
			ids = append(ids, g.ID)
			if g.Reject != nil && len(g.Fields) > 0 {
				t.Fatalf("reject stub with fields")
			}
		}
		if len(ids) < 3 || ids[0] != "g1" || ids[len(ids)-1] != "g2" {
			t.Fatalf("published ids %q, want g1, the fuzzed record, g2", ids)
		}
	})
}
