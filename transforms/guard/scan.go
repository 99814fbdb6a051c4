package guard

import (
	"regexp"
	"strings"

	"github.com/tally-dev/tally/transforms/pseudonymize"
)

// rules in the order Scan applies them. When a value trips several (an
// SSN also has the shape of a phone number, an IBAN's digits may pass
// the Luhn check) the first is reported.
var rules = []string{"email", "ssn", "iban", "card", "phone"}

// Rules returns the pattern rules Scan applies, in order.
func Rules() []string { return append([]string(nil), rules...) }

// MaxLen is the longest string guard scans, in bytes: the validate
// stage's limit (validate.MaxStringLen), repeated here so that guard
// bounds its work even behind a misconfigured chain.
const MaxLen = 4096

// minDigits is the fewest digits any digit rule needs: a national phone
// number without area code.
const minDigits = 7

// Scan returns the first rule of Rules() that the string s trips, or "".
// A string that is exactly a pseudonym passes; a string longer than
// MaxLen bytes returns "length" unscanned. Scan never panics, and its
// result never contains s.
func Scan(s string) string {
	if len(s) > MaxLen {
		return "length"
	}
	if len(s) < 6 || pseudonymize.IsPseudonym(s) {
		return ""
	}
	n := normalize(s)
	if hasEmail(n) {
		return "email"
	}
	if countDigits(n) < minDigits {
		return ""
	}
	switch {
	case hasSSN(n):
		return "ssn"
	case hasIBAN(n):
		return "iban"
	case hasCard(n):
		return "card"
	case hasPhone(n):
		return "phone"
	}
	return ""
}

const (
	local  = `[\p{L}\p{N}._%+'\-]+`
	label  = `[\p{L}\p{N}\-]+`
	openB  = `[\[\(\{<]`
	closeB = `[\]\)\}>]`
	// tlds limits the spelled-out form "jane at example dot com" to
	// common endings, so that ordinary prose ("look at the dot matrix")
	// passes.
	tlds = `(?:com|org|net|edu|gov|mil|int|io|co|ai|app|dev|info|biz|me|eu|us|uk|ca|au|de|fr|nl|be|ch|at|es|it|pt|se|no|dk|fi|pl|cz|ie|jp|cn|in|br|mx|ru)`
)

var (
	emailRe = regexp.MustCompile(local + `@` + label + `(?:\.` + label + `)*\.\p{L}{2,}`)
	// "jane(at)example(dot)org", "jane [at] example.org".
	bracketAtRe = regexp.MustCompile(`(?i)` + local + `\s*` + openB + `\s*at\s*` + closeB + `\s*` + label +
		`(?:(?:\.|\s*` + openB + `\s*dot\s*` + closeB + `\s*|\s+dot\s+)` + label + `)+`)
	// "jane at example dot org", "jane.doe at example.org".
	spelledAtRe = regexp.MustCompile(`(?i)` + local + `\s+at\s+` + label +
		`(?:(?:\.|\s+dot\s+)` + label + `)*(?:\.|\s+dot\s+)` + tlds + `\b`)
	encodedAt = strings.NewReplacer("%40", "@", "&#64;", "@", "&#x40;", "@", "&commat;", "@")
)

func hasEmail(s string) bool {
	if strings.ContainsAny(s, "%&") {
		s = encodedAt.Replace(s)
	}
	if strings.IndexByte(s, '@') >= 0 && emailRe.MatchString(s) {
		return true
	}
	if !containsFold(s, "at") {
		return false
	}
	return bracketAtRe.MatchString(s) || spelledAtRe.MatchString(s)
}

// containsFold reports whether s contains the ASCII lower-case word w in
// any case.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

var ssnRe = regexp.MustCompile(`\b([0-9]{3})[- ]([0-9]{2})[- ]([0-9]{4})\b`)

// hasSSN matches the US SSN shape 123-45-6789 (or with spaces), skipping
// numbers the SSA never issues: area 000, 666 or 900-999, group 00,
// serial 0000.
func hasSSN(s string) bool {
	for _, m := range ssnRe.FindAllStringSubmatch(s, -1) {
		area, group, serial := m[1], m[2], m[3]
		if area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000" {
			continue
		}
		return true
	}
	return false
}
