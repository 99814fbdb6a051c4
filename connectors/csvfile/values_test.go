package csvfile

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestParseDateMatchesTimeParse checks the "date" time format's fast
// path against time.Parse over valid, edge and malformed days.
func TestParseDateMatchesTimeParse(t *testing.T) {
	parse, err := newTimeParser("date")
	if err != nil {
		t.Fatal(err)
	}
	cells := []string{"2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "0000-01-01", "9999-12-31",
		"2024-00-10", "2024-13-01", "2024-04-31", "2024-04-00", "2024-4-01", "2024-04-1", "+024-04-01",
		"2024-04-01 ", " 2024-04-01", "2024/04/01", "20240401", "", "2024-04-0x", "２０２４-04-01"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		cells = append(cells, fmt.Sprintf("%04d-%02d-%02d", rng.IntN(10000), rng.IntN(14), rng.IntN(33)))
	}
	for _, c := range cells {
		want, err := time.Parse(time.DateOnly, c)
		got, ok := parse(c)
		if ok != (err == nil) || ok && got != want.UTC() {
			t.Errorf("parse(%q) = %v, %t; time.Parse: %v, %v", c, got, ok, want, err)
		}
	}
}
