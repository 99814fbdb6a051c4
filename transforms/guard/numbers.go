package guard

import (
	"regexp"
	"strings"
)

// digitRun is a sequence of digit groups joined by single separators, as
// a card number is written: "4111 1111 1111 1111".
type digitRun struct {
	groups []string
	seps   []byte // seps[i] precedes groups[i+1]
	end    int    // index after the last digit
}

// nextRun returns the digit run starting at s[i], which must be a digit,
// joining groups with any single byte of seps.
func nextRun(s string, i int, seps string) digitRun {
	var r digitRun
	for {
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		r.groups = append(r.groups, s[start:i])
		r.end = i
		if i+1 < len(s) && strings.IndexByte(seps, s[i]) >= 0 && isDigit(s[i+1]) {
			r.seps = append(r.seps, s[i])
			i++
			continue
		}
		return r
	}
}

// hasCard reports a payment card number: 12 to 19 digits, optionally in
// groups separated by spaces or dashes, that pass the Luhn check and
// start with a card issuer's major industry identifier (2 to 6: banks,
// travel and entertainment; 12 digits only with a Maestro prefix, 50 or
// 56 to 69). Any consecutive groups of a longer run count, so a card
// number written after another number is still found; digits glued to
// letters, or after a '+' (an international phone number), do not.
func hasCard(s string) bool {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		run := nextRun(s, i, " -")
		bounded := !letterOrDigitBefore(s, i) && !letterOrDigitAt(s, run.end) && (i == 0 || s[i-1] != '+')
		i = run.end
		if bounded && runHasCard(run) {
			return true
		}
	}
	return false
}

func runHasCard(run digitRun) bool {
	for a := range run.groups {
		digits := ""
		for b := a; b < len(run.groups); b++ {
			digits += run.groups[b]
			if len(digits) > 19 {
				break
			}
			if len(digits) >= 12 && cardIIN(digits) && luhn(digits) {
				return true
			}
		}
	}
	return false
}

// cardIIN reports whether digits start like a card number of their
// length: major industry identifier 2 to 6, and for 12 digits (Maestro
// only) 50 or 56 to 69.
func cardIIN(digits string) bool {
	if digits[0] < '2' || digits[0] > '6' {
		return false
	}
	if len(digits) == 12 {
		return digits[:2] == "50" || digits[:2] >= "56" && digits[:2] <= "69"
	}
	return true
}

// luhn reports whether the ASCII digit string passes the Luhn checksum.
func luhn(digits string) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

var ibanStartRe = regexp.MustCompile(`(?i)\b[a-z]{2}[0-9]{2}`)

// hasIBAN reports an IBAN of a country in ibanLengths, written compact or
// in groups separated by single spaces or dashes, whose check digits pass
// ISO 13616 mod 97.
func hasIBAN(s string) bool {
	for _, loc := range ibanStartRe.FindAllStringIndex(s, -1) {
		country := strings.ToUpper(s[loc[0] : loc[0]+2])
		n, ok := ibanLengths[country]
		if !ok {
			continue
		}
		compact := collectIBAN(s[loc[0]:], n)
		if len(compact) == n && mod97(compact) == 1 {
			return true
		}
	}
	return false
}

// collectIBAN returns up to n upper-cased letters and digits from the
// start of s, skipping single spaces and dashes between them.
func collectIBAN(s string, n int) string {
	out := make([]byte, 0, n)
	for i := 0; i < len(s) && len(out) < n; i++ {
		c := s[i]
		switch {
		case isDigit(c) || c >= 'A' && c <= 'Z':
			out = append(out, c)
		case c >= 'a' && c <= 'z':
			out = append(out, c-'a'+'A')
		case (c == ' ' || c == '-') && i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '-':
		default:
			return string(out)
		}
	}
	return string(out)
}

// mod97 computes the ISO 7064 mod 97-10 remainder of an upper-case
// alphanumeric IBAN: the first four characters move to the end and
// letters count as 10 to 35.
func mod97(iban string) int {
	rem := 0
	for _, c := range []byte(iban[4:] + iban[:4]) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	return rem
}

// ibanLengths is the IBAN length of each country in the SWIFT IBAN
// registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
	"MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
	"PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
	"SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
