package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalize folds the Unicode tricks that hide a value from ASCII
// patterns: full-width forms and other decimal digits become ASCII,
// format characters (zero-width spaces, joiners, soft hyphens) and
// combining marks disappear, every space becomes ' ', every dash '-',
// and look-alike at signs and full stops become '@' and '.'. ASCII input
// is returned unchanged without allocating.
func normalize(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			b.WriteByte(byte(r - 0xFEE0))
		case r == '\uFE6B':
			b.WriteByte('@')
		case r == '\u3002' || r == '\uFF61' || r == '\uFE52' || r == '\u2024':
			b.WriteByte('.')
		case r == '\u2212' || r == '\uFE63' || unicode.Is(unicode.Pd, r):
			b.WriteByte('-')
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
		case unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me):
		case r >= 0x80 && unicode.Is(unicode.Nd, r):
			b.WriteByte('0' + digitValue(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// digitValue returns the value of a decimal digit rune. Unicode lays out
// every decimal digit set as ten consecutive code points starting at
// zero, and unicode.Nd lists them as ranges of whole sets.
func digitValue(r rune) byte {
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10)
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10)
		}
	}
	return 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// letterOrDigitBefore reports whether the rune ending at s[:i] is a
// letter or digit (false at the start).
func letterOrDigitBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// letterOrDigitAt reports whether the rune starting at s[i] is a letter
// or digit (false at the end).
func letterOrDigitAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// countDigits returns the number of ASCII digits in s.
func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}
