package warehouse_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestCopyChunks COPYs rows whose text spans many of copyFunc's chunks —
// short rows, rows that need escaping, NULLs, and rows longer than a
// chunk — and reads every value back in order.
func TestCopyChunks(t *testing.T) {
	w := warehousetest.OpenPostgres(t, warehouse.Config{})
	rng := rand.New(rand.NewPCG(3, 4))
	var rows [][]any
	for i := range 3000 {
		n := rng.IntN(200)
		switch i % 500 {
		case 7:
			n = 70 << 10 // longer than a chunk
		case 8:
			n = 64<<10 - 40 // about a chunk
		}
		s := strings.Repeat(string(rune('a'+i%26)), n)
		var v any = s
		switch i % 11 {
		case 3:
			v = nil
		case 5:
			v = "tab\there\nnewline\\backslash\r" + s
		}
		rows = append(rows, []any{v, "x"})
	}
	got, err := warehouse.CopyRoundTrip(ctxT(t), w, rows)
	if err != nil {
		t.Fatalf("CopyRoundTrip: %v", err)
	}
	want := make([][]*string, len(rows))
	for i, r := range rows {
		want[i] = make([]*string, len(r))
		for j, v := range r {
			if s, ok := v.(string); ok {
				want[i][j] = &s
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows read back differ (-want +got):\n%s", diff)
	}
}
