package warehouse

import (
	"slices"
	"testing"
)

// TestAnalyzerRefreshesWhenDoubled pins the ANALYZE schedule: at
// analyzeEvery rows, then whenever the rows since the last ANALYZE are
// half of those since open (the table doubled), never twice at once.
func TestAnalyzerRefreshesWhenDoubled(t *testing.T) {
	var a analyzer
	steps := []struct {
		rows int64
		due  bool
	}{
		{19999, false}, // below analyzeEvery
		{1, true},      // 20,000
		{15000, false}, // 35,000 since open: 15,000 < 20,000
		{5000, true},   // 40,000: 20,000 since, half of it
		{30000, false}, // 70,000: 30,000 < 35,000
		{10000, true},  // 80,000: 40,000
		{79998, false}, // 159,998: 79,998 < 79,999
		{2, true},      // 160,000: 80,000
	}
	for i, s := range steps {
		got := a.note(map[string]int64{"p": s.rows})
		if want := s.due; slices.Contains(got, "p") != want {
			t.Fatalf("step %d (+%d rows): due = %v, want %v", i, s.rows, got, want)
		}
		if s.due {
			if again := a.note(map[string]int64{"p": 1 << 40}); len(again) != 0 {
				t.Fatalf("step %d: due again while running: %v", i, again)
			}
			a.done("p")
			a.pending["p"] -= 1 << 40 // take back the probe's rows
			a.size["p"] -= 1 << 40
		}
	}
}
