package guard

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// phoneCandidate is a run of digit groups that may be a phone number:
// "+1 (415) 555-0134", "030 1234 5678", "415.555.0134".
type phoneCandidate struct {
	plus   bool
	groups []string
	seps   []string // seps[i] precedes groups[i]; seps[0] follows the '+'
	end    int
}

// hasPhone reports a phone number: an international form ("+" or "00",
// then 8 to 15 digits) or a national form of 7 to 15 digits in groups
// with common separators (space, dash, dot, slash, parentheses). To keep
// false positives low it passes digits glued to letters (ids, ISO
// timestamps, pseudonyms), plain digit strings that do not start with a
// trunk 0 (numeric CRM ids), dates, thousands-grouped amounts, decimals,
// IPv4 addresses, version numbers and year ranges.
func hasPhone(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '+' && c != '(' && !isDigit(c) {
			i++
			continue
		}
		if letterOrDigitBefore(s, i) || inIdentifier(s, i) {
			i = skipWord(s, i)
			continue
		}
		p := scanPhone(s, i)
		if len(p.groups) == 0 {
			i++
			continue
		}
		end := extensionEnd(s, p.end)
		before := s[max(0, i-16):i]
		if !letterOrDigitAt(s, end) && !afterWord(before, idWords) && (p.isPhone() || p.isBarePhone(before)) {
			return true
		}
		i = p.end
	}
	return false
}

// inIdentifier reports digits that go on an identifier after a dash,
// underscore or slash: "ORD-2021-793229", "K-0318-0534", "INV_2024_1".
func inIdentifier(s string, i int) bool {
	return i >= 2 && strings.IndexByte("-_/", s[i-1]) >= 0 && letterOrDigitBefore(s, i-1)
}

// extRe is a phone extension right after a number: x4587, " x12",
// " ext. 12", ", extension 345", " poste 12", " Durchwahl 12".
var extRe = regexp.MustCompile(`^(?i)(?:x|,? ?(?:x|ext\.?|extn\.?|extension|poste|durchwahl|#) ?)[0-9]{1,6}`)

// extensionEnd returns the index after the extension at s[i:], or i.
func extensionEnd(s string, i int) int {
	if i >= len(s) || !strings.ContainsRune("xX ,#", rune(s[i])) {
		return i
	}
	if loc := extRe.FindStringIndex(s[i:]); loc != nil {
		return i + loc[1]
	}
	return i
}

// idWords announce a number that is an identifier, not a phone number
// ("SKU 3838-548-60", "Order #4155550134").
var idWords = []string{"sku", "part", "model", "item", "order", "invoice", "inv", "ticket", "isbn", "ean", "serial", "po", "ref", "art"}

// afterWord reports whether before (the text preceding a number) ends
// with one of words, as a whole word, possibly followed by " :.#+-(".
func afterWord(before string, words []string) bool {
	before = strings.ToLower(strings.TrimRight(before, " :.#+-("))
	for _, w := range words {
		if strings.HasSuffix(before, w) && !letterOrDigitBefore(before, len(before)-len(w)) {
			return true
		}
	}
	return false
}

// skipWord returns the index after the letters and digits at s[i:], or
// i+1 if there are none.
func skipWord(s string, i int) int {
	j := i
	for j < len(s) && letterOrDigitAt(s, j) {
		_, w := utf8.DecodeRuneInString(s[j:])
		j += w
	}
	return max(j, i+1)
}

// scanPhone reads the candidate at s[i]. Between two digit groups it
// accepts at most one of " -./" and at most one parenthesis.
func scanPhone(s string, i int) phoneCandidate {
	var p phoneCandidate
	if s[i] == '+' {
		p.plus = true
		i++
	}
	sep := ""
	for i < len(s) {
		c := s[i]
		if isDigit(c) {
			start := i
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			p.groups = append(p.groups, s[start:i])
			p.seps = append(p.seps, sep)
			p.end = i
			sep = ""
			continue
		}
		if !strings.ContainsRune(" -./()", rune(c)) || !validSep(sep+string(c)) {
			break
		}
		sep += string(c)
		i++
	}
	return p
}

func validSep(sep string) bool {
	plain, parens := 0, 0
	for i := 0; i < len(sep); i++ {
		if sep[i] == '(' || sep[i] == ')' {
			parens++
		} else {
			plain++
		}
	}
	return plain <= 1 && parens <= 1
}

func (p phoneCandidate) digits() int {
	n := 0
	for _, g := range p.groups {
		n += len(g)
	}
	return n
}

func (p phoneCandidate) isPhone() bool {
	d := p.digits()
	if p.plus && p.seps[0] == "" {
		return d >= 8 && d <= 15
	}
	if strings.HasPrefix(p.groups[0], "00") && d >= 10 && d <= 15 {
		return true
	}
	if isDate(p.groups, p.seps, 0) {
		// A date, possibly followed by a time or by more numbers written
		// differently: judge what follows on its own. When the date's
		// separator goes on ("06.12.34.56.78") it was no date.
		if len(p.groups) == 3 {
			return false
		}
		if p.seps[3] != p.seps[1] {
			rest := phoneCandidate{groups: p.groups[3:], seps: append([]string{""}, p.seps[4:]...)}
			return rest.isPhone()
		}
	}
	if d < 7 || d > 15 {
		return false
	}
	if len(p.groups) == 1 {
		// Numeric ids are common; a bare national number starts with
		// the trunk prefix 0.
		return p.groups[0][0] == '0' && d >= 10 && d <= 11
	}
	return !notPhone(p.groups, p.seps[1:])
}

// phoneWords announce a phone number written as bare digits.
var phoneWords = []string{"tel", "phone", "call", "mobile", "cell", "fax", "whatsapp", "sms", "ruf", "handy"}

// isBarePhone reports a plain run of 7 to 15 digits right after a word
// announcing a phone number ("tel: 4155550134"); bare digits without one
// are far more often ids.
func (p phoneCandidate) isBarePhone(before string) bool {
	if d := p.digits(); len(p.groups) != 1 || d < 7 || d > 15 {
		return false
	}
	return afterWord(before, phoneWords)
}

// notPhone recognizes grouped numbers that are not phone numbers.
// seps[i] joins groups[i] and groups[i+1].
func notPhone(groups, seps []string) bool {
	same := allSame(seps)
	first := groups[0]
	switch {
	case len(groups) == 3 && seps[0] == " " && same && allLen(groups, 3) && first[0] >= '6':
		return false // Spanish: 699 956 915, 912 345 678
	case same && (seps[0] == " " || seps[0] == ".") && first[0] != '0' && len(first) <= 3 && allLen(groups[1:], 3):
		return true // thousands: 1 234 567, 1.234.567
	case len(groups) == 2 && (seps[0] == "-" || seps[0] == "/") && isYear(first) && len(groups[1]) >= 4:
		return true // year-numbered ids: 2024/00123
	case len(groups) == 2 && seps[0] == " " && first[0] != '0' && len(first) <= 4 && len(groups[1]) == 5:
		return true // house number and postcode: Hauptstr. 12 10115 Berlin
	case len(groups) == 2 && seps[0] == "-" && first[0] != '0' && len(first) == 5 && len(groups[1]) == 4:
		return true // ZIP+4: 94043-1351
	case len(groups) == 2 && seps[0] == ".":
		return true // decimal: 1234567.89
	case len(groups) == 4 && same && seps[0] == "." && isIPv4(groups):
		return true
	case len(groups) == 2 && (seps[0] == "-" || seps[0] == "/") && isYear(groups[0]) && isYear(groups[1]):
		return true // 2019-2024
	}
	for _, g := range groups[1:] {
		if len(g) == 1 {
			return true // versions and lists: 10.0.19045.1, 7 1 2024
		}
	}
	return false
}

// isDate reports whether groups[i:i+3] joined by one repeated separator
// of "-./" form a date: y-m-d or d-m-y (either order of day and month).
func isDate(groups, seps []string, i int) bool {
	if len(groups) < i+3 {
		return false
	}
	s1, s2 := seps[i+1], seps[i+2]
	if s1 != s2 || (s1 != "-" && s1 != "." && s1 != "/") {
		return false
	}
	a, b, c := groups[i], groups[i+1], groups[i+2]
	if len(a) == 4 && isYear(a) {
		return dayMonth(b, c) || dayMonth(c, b)
	}
	if len(c) == 4 && isYear(c) || len(c) == 2 {
		return dayMonth(a, b) || dayMonth(b, a)
	}
	return false
}

// dayMonth reports whether d and m are a plausible day and month.
func dayMonth(d, m string) bool {
	if len(d) > 2 || len(m) > 2 {
		return false
	}
	dn, mn := atoi(d), atoi(m)
	return dn >= 1 && dn <= 31 && mn >= 1 && mn <= 12
}

func isYear(g string) bool { return len(g) == 4 && (g[:2] == "19" || g[:2] == "20") }

func isIPv4(groups []string) bool {
	for _, g := range groups {
		if len(g) > 3 || atoi(g) > 255 {
			return false
		}
	}
	return true
}

func atoi(g string) int {
	n := 0
	for i := 0; i < len(g); i++ {
		n = n*10 + int(g[i]-'0')
	}
	return n
}

func allSame(seps []string) bool {
	for _, s := range seps {
		if s != seps[0] {
			return false
		}
	}
	return true
}

func allLen(groups []string, n int) bool {
	for _, g := range groups {
		if len(g) != n {
			return false
		}
	}
	return true
}
