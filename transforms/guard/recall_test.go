package guard

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// score counts, per rule, the texts labeled with it that Scan flags with
// it (tp), those it misses (fn) and the texts it flags with it that are
// labeled otherwise (fp).
type score struct{ tp, fn, fp int }

func (s score) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func (s score) precision() float64 { return ratio(s.tp, s.tp+s.fp) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// scoreCorpus scores Scan on the corpus; misses lists, per rule, a few
// texts missed or wrongly flagged (for failure messages).
func scoreCorpus(samples []sample) (map[string]*score, map[string][]string) {
	scores := map[string]*score{}
	for _, r := range rules {
		scores[r] = &score{}
	}
	misses := map[string][]string{}
	note := func(rule, what string) {
		if len(misses[rule]) < 15 {
			misses[rule] = append(misses[rule], what)
		}
	}
	for _, s := range samples {
		got := Scan(s.text)
		if s.label != "" {
			if got == s.label {
				scores[s.label].tp++
			} else {
				scores[s.label].fn++
				note(s.label, fmt.Sprintf("missed (%s, got %q): %q", s.kind, got, s.text))
			}
		}
		if got != "" && got != s.label {
			if sc, ok := scores[got]; ok {
				sc.fp++
				note(got, fmt.Sprintf("false alarm (%s, label %q): %q", s.kind, s.label, s.text))
			}
		}
	}
	return scores, misses
}

// baselinePrecision is the precision of the guard before issue 11
// (commit 8e5e0d0) on this corpus (BENCHMARKS.md); precision must not
// fall below it.
var baselinePrecision = map[string]float64{
	"email": 1, "ssn": 1, "iban": 1, "card": 0.973, "phone": 0.739,
}

// TestGuardRecallOnCorpus: every named rule finds at least 95% of its
// values in the labeled corpus, with no lower precision than before.
func TestGuardRecallOnCorpus(t *testing.T) {
	samples := corpus()
	scores, misses := scoreCorpus(samples)
	var table []string
	for _, r := range rules {
		s := scores[r]
		table = append(table, fmt.Sprintf("%-6s n=%4d recall %.3f precision %.3f (fn %d, fp %d)", r, s.tp+s.fn, s.recall(), s.precision(), s.fn, s.fp))
		if s.tp+s.fn == 0 {
			t.Errorf("%s: the corpus has no %s values", r, r)
		}
		if s.recall() < 0.95 {
			t.Errorf("%s: recall %.3f < 0.95; e.g.\n  %s", r, s.recall(), strings.Join(misses[r], "\n  "))
		}
		if s.precision() < baselinePrecision[r] {
			t.Errorf("%s: precision %.3f < %.3f before; e.g.\n  %s", r, s.precision(), baselinePrecision[r], strings.Join(misses[r], "\n  "))
		}
	}
	sort.Strings(table)
	heldPhones, heldCaught, heldNeg, heldAlarms := 0, 0, 0, 0
	for _, s := range samples {
		if !strings.HasPrefix(s.kind, "held-out") {
			continue
		}
		got := Scan(s.text)
		if s.label == "" {
			heldNeg++
			if got != "" {
				heldAlarms++
			}
		} else {
			heldPhones++
			if got == s.label {
				heldCaught++
			}
		}
	}
	t.Logf("%d texts:\n%s\nheld out: %d/%d phones found, %d/%d negatives flagged", len(samples), strings.Join(table, "\n"),
		heldCaught, heldPhones, heldAlarms, heldNeg)
}

// BenchmarkScanCorpus: Scan per value over the corpus (ns/op is per
// text).
func BenchmarkScanCorpus(b *testing.B) {
	samples := corpus()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		Scan(samples[i%len(samples)].text)
	}
}
