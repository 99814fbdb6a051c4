package decimal_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// FuzzParse checks that Parse and Number never panic, that Parse fails
// only with ErrSyntax or ErrRange, that a parsed value's canonical text
// parses back to itself, and that Number's json.Number is valid JSON
// holding the same value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "-0.50", ".5", "5.", "+1e300", "1e-16383", "1e131072", "1e100001", "9e98999", "NaN", "1_0", "0x1p3", "9e9223372036854775807", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := decimal.Parse(s)
		if err != nil && !errors.Is(err, decimal.ErrSyntax) && !errors.Is(err, decimal.ErrRange) {
			t.Fatalf("Parse error %v is neither ErrSyntax nor ErrRange", err)
		}
		if err == nil {
			back, err := decimal.Parse(d.String())
			if err != nil || back.String() != d.String() || !back.Equal(d) || !d.InRange() {
				t.Fatalf("Parse(String()) = %v, %v; want the same value", back, err)
			}
			if sum := d.Add(d.Neg()); !sum.IsZero() {
				t.Fatalf("d + -d = %v, want 0", sum)
			}
		}
		n, ok := decimal.Number(s)
		if !ok {
			return
		}
		if _, err := json.Marshal(n); err != nil {
			t.Fatalf("Number(%q) = %q, which JSON refuses: %v", s, n, err)
		}
		// Number respells, never changes the value: Parse agrees on both.
		nd, nerr := decimal.Parse(string(n))
		sd, serr := decimal.Parse(strings.TrimSpace(s))
		if (serr == nil) != (nerr == nil) || (serr == nil && !sd.Equal(nd)) || (nerr != nil && !errors.Is(nerr, decimal.ErrRange)) {
			t.Fatalf("Parse(Number(%q)) = %v, %v; Parse = %v, %v", s, nd, nerr, sd, serr)
		}
	})
}
