package decimal

import (
	"encoding/json"
	"strconv"
	"strings"
)

// parts is a decimal literal split into its pieces, as written.
type parts struct {
	neg        bool
	plus       bool   // an explicit leading '+'
	int, frac  string // digits before and after the point
	point      bool   // a point was written
	exp        string // exponent digits with their sign, "" if none
	hasExpMark bool
}

// split checks the grammar [+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)?.
func split(s string) (parts, error) {
	var p parts
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		p.neg, p.plus = s[i] == '-', s[i] == '+'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	p.int = s[start:i]
	if i < len(s) && s[i] == '.' {
		p.point = true
		i++
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		p.frac = s[start:i]
	}
	if p.int == "" && p.frac == "" {
		return parts{}, ErrSyntax
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		p.hasExpMark = true
		i++
		start = i
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		digits := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == digits {
			return parts{}, ErrSyntax
		}
		p.exp = s[start:i]
	}
	if i != len(s) {
		return parts{}, ErrSyntax
	}
	return p, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// reduced returns the coefficient digits without leading or trailing
// zeros ("" for zero) and the exponent that goes with them, after
// checking the range.
func (p parts) reduced() (string, int64, error) {
	digits := strings.TrimLeft(p.int+p.frac, "0")
	trimmed := strings.TrimRight(digits, "0")
	if trimmed == "" {
		return "", 0, nil // zero, whatever its exponent
	}
	var e int64
	if p.exp != "" {
		v, err := strconv.ParseInt(p.exp, 10, 64)
		// Beyond ±1e15 no digit string that fits in memory brings the
		// value back into range.
		if err != nil || v > 1e15 || v < -1e15 {
			return "", 0, ErrRange
		}
		e = v
	}
	exp := e - int64(len(p.frac)) + int64(len(digits)-len(trimmed))
	if err := checkRange(int64(len(trimmed)), exp); err != nil {
		return "", 0, err
	}
	return trimmed, exp, nil
}

// checkRange checks a reduced coefficient of n digits with exponent exp
// against MaxIntegerDigits and MaxScale.
func checkRange(n, exp int64) error {
	if n+exp > MaxIntegerDigits || -exp > MaxScale {
		return ErrRange
	}
	return nil
}

// Number checks that s (surrounding spaces ignored) is a finite decimal
// literal and returns it as a json.Number for a connector record: the
// vendor's text unchanged when it already is a JSON number, else the
// same value respelled as one ("+5" → "5", ".5" → "0.5", "5." → "5",
// "007" → "7"). Range is not checked here: the validate stage
// quarantines an out-of-range number with its field and rule.
func Number(s string) (json.Number, bool) {
	s = strings.TrimSpace(s)
	p, err := split(s)
	if err != nil {
		return "", false
	}
	if !p.plus && p.int != "" && (p.int == "0" || p.int[0] != '0') && (!p.point || p.frac != "") {
		return json.Number(s), true
	}
	var b strings.Builder
	if p.neg {
		b.WriteByte('-')
	}
	if in := strings.TrimLeft(p.int, "0"); in != "" {
		b.WriteString(in)
	} else {
		b.WriteByte('0')
	}
	if p.frac != "" {
		b.WriteByte('.')
		b.WriteString(p.frac)
	}
	if p.hasExpMark {
		b.WriteByte('e')
		b.WriteString(p.exp)
	}
	return json.Number(b.String()), true
}
