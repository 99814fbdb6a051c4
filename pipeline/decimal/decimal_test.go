package decimal_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline/decimal"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"0", "0", nil},
		{"-0", "0", nil},
		{"0e999999999999999999999", "0", nil},
		{"12", "12", nil},
		{"+12", "12", nil},
		{"-0.50", "-0.5", nil},
		{".5", "0.5", nil},
		{"5.", "5", nil},
		{"007.100", "7.1", nil},
		{"1e3", "1000", nil},
		{"2.5E-2", "0.025", nil},
		{"1e300", "1" + strings.Repeat("0", 300), nil},
		{"123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789", nil},
		{"1e98999", "1" + strings.Repeat("0", 98999), nil},
		{"-9.9e98998", "-99" + strings.Repeat("0", 98997), nil},
		{"1e99000", "", decimal.ErrRange},
		{"1e100001", "", decimal.ErrRange},
		{"1e-16383", "0." + strings.Repeat("0", 16382) + "1", nil},
		{"1e-16384", "", decimal.ErrRange},
		{"1e99999999999999999999", "", decimal.ErrRange},
		{"", "", decimal.ErrSyntax},
		{"-", "", decimal.ErrSyntax},
		{".", "", decimal.ErrSyntax},
		{"1e", "", decimal.ErrSyntax},
		{"1e+", "", decimal.ErrSyntax},
		{" 1", "", decimal.ErrSyntax},
		{"1,250.00", "", decimal.ErrSyntax},
		{"NaN", "", decimal.ErrSyntax},
		{"Inf", "", decimal.ErrSyntax},
		{"-Infinity", "", decimal.ErrSyntax},
		{"0x1p3", "", decimal.ErrSyntax},
		{"1_000", "", decimal.ErrSyntax},
		{"--1", "", decimal.ErrSyntax},
	}
	for _, tc := range tests {
		got, err := decimal.Parse(tc.in)
		if !errors.Is(err, tc.err) {
			t.Errorf("Parse(%.40q) error = %v, want %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && got.String() != tc.want {
			t.Errorf("Parse(%.40q) = %.60s, want %.60s", tc.in, got, tc.want)
		}
	}
}

func TestAddIsExact(t *testing.T) {
	sum := func(xs ...string) string {
		var s decimal.Decimal
		for _, x := range xs {
			s = s.Add(decimal.MustParse(x))
		}
		return s.String()
	}
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"0.1", "0.2"}, "0.3"},
		{[]string{"1e300", "100"}, "1" + strings.Repeat("0", 297) + "100"},
		{[]string{"1e300", "100", "-1e300"}, "100"},
		{[]string{"0.5", "0.5"}, "1"},
		{[]string{"-3.25", "3.25"}, "0"},
		{[]string{"0.000000000000000000001", "1000000000000000000000"}, "1000000000000000000000.000000000000000000001"},
	}
	for _, tc := range tests {
		if got := sum(tc.in...); got != tc.want {
			t.Errorf("sum(%v) = %.80s, want %.80s", tc.in, got, tc.want)
		}
	}
	if got := decimal.MustParse("7").Sub(decimal.MustParse("7.5")).String(); got != "-0.5" {
		t.Errorf("7 - 7.5 = %s, want -0.5", got)
	}
}

func TestFromFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0.1, "0.1"}, {1250.5, "1250.5"}, {1e300, "1" + strings.Repeat("0", 300)}, {-2.5e-7, "-0.00000025"}, {math.Copysign(0, -1), "0"},
	}
	for _, tc := range tests {
		got, err := decimal.FromFloat(tc.in)
		if err != nil || got.String() != tc.want {
			t.Errorf("FromFloat(%g) = %.60s, %v, want %.60s", tc.in, got, err, tc.want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := decimal.FromFloat(f); !errors.Is(err, decimal.ErrRange) {
			t.Errorf("FromFloat(%g) error = %v, want ErrRange", f, err)
		}
	}
}

func TestRound(t *testing.T) {
	tests := []struct {
		in     string
		places int32
		want   string
	}{
		{"1.5", 2, "1.50"}, {"1.005", 2, "1.01"}, {"-1.005", 2, "-1.01"}, {"1e3", 2, "1000.00"},
		{"-0.001", 2, "0.00"}, {"1e30", 0, "1000000000000000000000000000000"},
	}
	for _, tc := range tests {
		if got := decimal.MustParse(tc.in).Round(tc.places); got != tc.want {
			t.Errorf("Round(%s, %d) = %s, want %s", tc.in, tc.places, got, tc.want)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in   string
		want json.Number
		ok   bool
	}{
		{"12.50", "12.50", true}, {" 1e3 ", "1e3", true}, {"-0", "-0", true}, {"1E+05", "1E+05", true},
		{"+5", "5", true}, {".5", "0.5", true}, {"5.", "5", true}, {"007", "7", true}, {"-.5e-3", "-0.5e-3", true},
		{"1e999999", "1e999999", true}, // valid text; validate reports the range
		{"", "", false}, {"NaN", "", false}, {"Infinity", "", false}, {"1,5", "", false}, {"0x10", "", false}, {"abc", "", false},
	}
	for _, tc := range tests {
		got, ok := decimal.Number(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("Number(%q) = %q, %v, want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok {
			if _, err := json.Marshal(got); err != nil {
				t.Errorf("Number(%q) = %q, which JSON does not encode: %v", tc.in, got, err)
			}
		}
	}
}

func TestEncodings(t *testing.T) {
	d := decimal.MustParse("-1250.50")
	b, err := json.Marshal(map[string]any{"v": d})
	if err != nil || string(b) != `{"v":-1250.5}` {
		t.Errorf("json.Marshal = %s, %v, want {\"v\":-1250.5}", b, err)
	}
	var back struct{ V decimal.Decimal }
	if err := json.Unmarshal([]byte(`{"V":"0.30"}`), &back); err != nil || back.V.String() != "0.3" {
		t.Errorf("json.Unmarshal = %s, %v, want 0.3", back.V, err)
	}
	v, _ := d.Value()
	if v != "-1250.5" {
		t.Errorf("Value() = %v, want -1250.5", v)
	}
	for _, src := range []any{[]byte("1.10"), "1.1", 1.1, int64(11)} {
		var s decimal.Decimal
		if err := s.Scan(src); err != nil {
			t.Errorf("Scan(%T) = %v", src, err)
		}
	}
	var s decimal.Decimal
	if err := s.Scan(true); err == nil {
		t.Error("Scan(bool) = nil, want an error")
	}
	if !decimal.MustParse("1.10").Equal(decimal.MustParse("1.1")) || decimal.FromInt(-3).Sign() != -1 || !decimal.FromUint(0).IsZero() {
		t.Error("Equal, Sign or IsZero wrong")
	}
}

// TestSumsAtTheLimitsStayExact adds the largest and smallest in-range
// values: apd's exponent limit must not be reached.
func TestSumsAtTheLimitsStayExact(t *testing.T) {
	big, small := decimal.MustParse("9"+strings.Repeat("9", decimal.MaxIntegerDigits-1)), decimal.MustParse("-1e-16383")
	sum := decimal.Decimal{}
	for i := 0; i < 50; i++ {
		sum = sum.Add(big).Add(small)
	}
	for i := 0; i < 50; i++ {
		sum = sum.Sub(big).Sub(small)
	}
	if !sum.IsZero() {
		t.Errorf("50 × (max + min) − 50 × (max + min) = %.40s…, want 0", sum)
	}
	if d := big.Add(big); d.InRange() || d.Sub(big).String() != big.String() {
		t.Errorf("max + max: InRange = %v, (max + max) − max exact = %v; want false, true", d.InRange(), d.Sub(big).String() == big.String())
	}
}
