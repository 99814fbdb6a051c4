package decimal

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"
)

// Limits of a Decimal: digits before and after the decimal point. A
// value outside them is refused with ErrRange. MaxScale is PostgreSQL
// numeric's; MaxIntegerDigits is below numeric's 131072 because apd
// computes with adjusted exponents up to 100000 only: the 1000 digits
// between keep every sum of up to 10^1000 in-range values exact.
const (
	MaxIntegerDigits = 99000
	MaxScale         = 16383
)

var (
	// ErrSyntax means a text is not a decimal number.
	ErrSyntax = errors.New("not a decimal number")
	// ErrRange means a number is not finite or lies outside the limits.
	ErrRange = errors.New("number out of range")
)

// exact is the context of every operation: no rounding (precision 0),
// apd's widest exponents (±100000). Sums of in-range values stay far
// within them (see MaxIntegerDigits), so operations never trap.
var exact = apd.BaseContext

// Decimal is an exact finite decimal number. The zero value is 0.
// Decimals are immutable values: operations return new ones. Compare
// them with Equal or Cmp, not ==.
type Decimal struct {
	d apd.Decimal // always reduced (no trailing zeros in the coefficient)
}

// Parse reads a decimal number: an optional sign, digits with an
// optional fraction ("12", "-0.50", ".5", "5.") and an optional exponent
// ("1e3", "2.5E-2"). Anything else (spaces, "NaN", "Inf", hex, digit
// separators) is ErrSyntax; a value outside the limits is ErrRange. The
// error never holds the text.
func Parse(s string) (Decimal, error) {
	p, err := split(s)
	if err != nil {
		return Decimal{}, err
	}
	coef, exp, err := p.reduced()
	if err != nil {
		return Decimal{}, err
	}
	var d Decimal
	if coef == "" {
		return d, nil
	}
	if _, ok := d.d.Coeff.SetString(coef, 10); !ok {
		return Decimal{}, ErrSyntax
	}
	d.d.Exponent = int32(exp)
	d.d.Negative = p.neg
	return d, nil
}

// MustParse is Parse for constants in tests and examples; it panics on
// an error.
func MustParse(s string) Decimal {
	d, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("decimal: MustParse: %v", err))
	}
	return d
}

// FromFloat returns the decimal of f's shortest representation
// (strconv.FormatFloat(f, 'g', -1, 64)): 0.1 is 0.1, not the binary
// fraction nearest to it. NaN and ±Inf are ErrRange.
func FromFloat(f float64) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Decimal{}, ErrRange
	}
	return Parse(strconv.FormatFloat(f, 'g', -1, 64))
}

// FromInt returns the decimal of n.
func FromInt(n int64) Decimal {
	var d Decimal
	d.d.SetInt64(n)
	return d.reduce()
}

// FromUint returns the decimal of n.
func FromUint(n uint64) Decimal {
	var d Decimal
	d.d.Coeff.SetUint64(n)
	return d.reduce()
}

// Add returns d + x, exactly.
func (d Decimal) Add(x Decimal) Decimal {
	var r Decimal
	if _, err := exact.Add(&r.d, &d.d, &x.d); err != nil {
		// Only a sum beyond 1e100000, which takes more than 10^1000
		// in-range values; keep the operand rather than panic.
		return d
	}
	return r.reduce()
}

// Sub returns d - x, exactly.
func (d Decimal) Sub(x Decimal) Decimal { return d.Add(x.Neg()) }

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	var r Decimal
	r.d.Neg(&d.d)
	if r.d.IsZero() {
		r.d.Negative = false
	}
	return r
}

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int { return d.d.Sign() }

// IsZero reports whether d is 0.
func (d Decimal) IsZero() bool { return d.d.IsZero() }

// Cmp returns -1, 0 or +1 as d is less than, equal to or greater than x.
func (d Decimal) Cmp(x Decimal) int { return d.d.Cmp(&x.d) }

// Equal reports whether d and x are the same number (go-cmp uses it).
func (d Decimal) Equal(x Decimal) bool { return d.Cmp(x) == 0 }

// InRange reports whether d lies within MaxIntegerDigits and MaxScale
// (a sum of in-range values may not).
func (d Decimal) InRange() bool {
	if d.d.IsZero() {
		return true
	}
	return checkRange(d.d.NumDigits(), int64(d.d.Exponent)) == nil
}

// String returns the canonical text: plain notation, no trailing
// fractional zeros, "0" for zero.
func (d Decimal) String() string {
	if d.d.IsZero() {
		return "0"
	}
	return d.d.Text('f')
}

// Round returns the text of d rounded half away from zero to places
// fractional digits, with exactly that many ("1.5" → "1.50" for 2).
func (d Decimal) Round(places int32) string {
	c := exact
	c.Precision = uint32(max(d.d.NumDigits()+max(int64(d.d.Exponent), 0)+int64(places)+2, 1))
	c.Rounding = apd.RoundHalfUp
	var r apd.Decimal
	if _, err := c.Quantize(&r, &d.d, -places); err != nil {
		return d.String()
	}
	if r.IsZero() {
		r.Negative = false
	}
	return r.Text('f')
}

// Float64 returns the float64 nearest to d, for display and metrics
// only; ±Inf when d is beyond float64's range.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// Value implements driver.Valuer: the canonical text, which PostgreSQL
// reads into numeric exactly and SQLite stores as TEXT.
func (d Decimal) Value() (driver.Value, error) { return d.String(), nil }

// Scan implements sql.Scanner for numeric text ([]byte or string, as
// PostgreSQL and SQLite return it) and, for rows SQLite stored before
// numbers were exact, float64 and int64.
func (d *Decimal) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case []byte:
		*d, err = Parse(string(v))
	case string:
		*d, err = Parse(v)
	case float64:
		*d, err = FromFloat(v)
	case int64:
		*d = FromInt(v)
	default:
		return fmt.Errorf("scanning a decimal from %T: %w", src, ErrSyntax)
	}
	return err
}

// MarshalJSON encodes d as a JSON number in canonical text.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalJSON reads a JSON number or a string holding one.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if n := len(s); n >= 2 && s[0] == '"' && s[n-1] == '"' {
		s = s[1 : n-1]
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// reduce strips trailing zeros of the coefficient (moving them into the
// exponent) and the sign of zero, so that equal values share one form.
func (d Decimal) reduce() Decimal {
	var r Decimal
	if d.d.IsZero() {
		return r
	}
	r.d.Reduce(&d.d)
	return r
}
