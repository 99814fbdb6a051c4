package warehouse

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestAppendCopyTimeMatchesFormat checks the hand-written COPY time and
// date encoders against the time package's layouts they replace.
func TestAppendCopyTimeMatchesFormat(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+30*60), time.FixedZone("", -7*3600)}
	times := []time.Time{
		{}, time.Unix(0, 0), time.Unix(0, 1), time.Unix(-1, 999_999_999),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 120_000_000, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 100, time.UTC),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		sec := rng.Int64N(400*365*86400) - 100*365*86400
		ns := rng.Int64N(1e9)
		switch rng.IntN(3) {
		case 0:
			ns = 0
		case 1:
			ns -= ns % 1000
		}
		times = append(times, time.Unix(sec, ns))
	}
	for _, tm := range times {
		for _, z := range zones {
			tm := tm.In(z)
			if got, want := string(appendCopyTime(nil, tm)), tm.UTC().Format(time.RFC3339Nano); got != want {
				t.Errorf("appendCopyTime(%v) = %q, want %q", tm, got, want)
			}
			if got, want := string(appendCopyDate([]byte("x"), tm)), "x"+tm.Format(time.DateOnly); got != want {
				t.Errorf("appendCopyDate(%v) = %q, want %q", tm, got, want)
			}
		}
	}
}
