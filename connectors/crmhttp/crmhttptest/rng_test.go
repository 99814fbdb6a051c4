package crmhttptest

import (
	"testing"
	"time"
)

func TestRNGDeterministic(t *testing.T) {
	tests := []struct {
		name       string
		seed       int64
		kind, i    int
		otherSeed  int64
		otherKind  int
		otherIndex int
	}{
		{"index", 1, 1, 0, 1, 1, 1},
		{"kind", 7, 1, 5, 7, 2, 5},
		{"seed", 7, 3, 5, 8, 3, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := NewRNG(tt.seed, uint64(tt.kind), tt.i), NewRNG(tt.seed, uint64(tt.kind), tt.i)
			c := NewRNG(tt.otherSeed, uint64(tt.otherKind), tt.otherIndex)
			same, differ := true, false
			for range 16 {
				x, y, z := a.Next(), b.Next(), c.Next()
				same = same && x == y
				differ = differ || x != z
			}
			if !same {
				t.Errorf("two streams of (%d,%d,%d) differ, want equal", tt.seed, tt.kind, tt.i)
			}
			if !differ {
				t.Errorf("stream of (%d,%d,%d) equals (%d,%d,%d), want different",
					tt.seed, tt.kind, tt.i, tt.otherSeed, tt.otherKind, tt.otherIndex)
			}
		})
	}
}

// TestRNGGolden pins the sequence: the fakes' generated data (and tests
// that depend on it) must not change when this package does.
func TestRNGGolden(t *testing.T) {
	r := NewRNG(42, 1, 0)
	got := []int{r.Intn(1000), r.Intn(1000), r.Intn(1000)}
	want := []int{279, 42, 598} // as the fakes' copies of this stream produced
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Intn sequence got %v, want %v", got, want)
		}
	}
}

func TestRNGIntnBounds(t *testing.T) {
	r := NewRNG(3, 2, 9)
	for _, n := range []int{-1, 0, 1, 2, 7, 1 << 20} {
		for range 100 {
			got := r.Intn(n)
			if n <= 0 && got != 0 || n > 0 && (got < 0 || got >= n) {
				t.Fatalf("Intn(%d) got %d, want in [0,%d)", n, got, max(n, 1))
			}
		}
	}
	if got := r.Pick([]string{"only"}); got != "only" {
		t.Errorf("Pick of one got %q, want %q", got, "only")
	}
}

func TestRNGTimes(t *testing.T) {
	epoch := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		window, unit time.Duration
	}{
		{"milliseconds", 90 * 24 * time.Hour, time.Millisecond},
		{"seconds", 90 * 24 * time.Hour, time.Second},
		{"one unit", time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 200 {
				from, to := NewRNG(1, 1, i).Times(epoch, tt.window, tt.unit)
				if !from.Before(epoch) || from.Before(epoch.Add(-tt.window)) {
					t.Fatalf("record %d from got %v, want in [epoch-%v, epoch)", i, from, tt.window)
				}
				if to.Before(from) || !to.Before(epoch) {
					t.Fatalf("record %d to got %v, want in [%v, epoch)", i, to, from)
				}
				if from.Sub(epoch)%tt.unit != 0 || to.Sub(epoch)%tt.unit != 0 {
					t.Fatalf("record %d times got %v, %v, want whole %v", i, from, to, tt.unit)
				}
			}
		})
	}
}
