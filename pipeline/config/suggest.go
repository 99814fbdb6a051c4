package config

import (
	"regexp"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Suggest returns the name of known closest to got, or "" when none is
// close enough to be a probable typo: at most 2 edits (1 for names of 3
// characters or fewer, a third of the length for long names), case
// ignored. Ties go to the first in known.
func Suggest(got string, known []string) string {
	g := strings.ToLower(got)
	best, bestD := "", -1
	for _, k := range known {
		if k == got {
			return ""
		}
		d := levenshtein.ComputeDistance(g, strings.ToLower(k))
		limit := max(2, len(k)/3)
		if len(k) <= 3 {
			limit = 1
		}
		if d <= limit && d < len(g) && (bestD < 0 || d < bestD) {
			best, bestD = k, d
		}
	}
	return best
}

// didYouMean returns " (did you mean X?)" for Suggest's answer, or "".
func didYouMean(got string, known []string) string {
	if s := Suggest(got, known); s != "" {
		return " (did you mean " + s + "?)"
	}
	return ""
}

// knownRE finds a quoted name followed by the list it is not in, the
// shape of "unknown … "x" (known: a, b)" messages of components whose
// texts this package does not write (a connector's object option).
var knownRE = regexp.MustCompile(`"([^"]{1,64})"[^"]*\(known: \[?([^)\]]*)\]?\)`)

// suggestKnown adds "did you mean" to such a message when it has none.
func suggestKnown(msg string) string {
	if strings.Contains(msg, "did you mean") {
		return msg
	}
	m := knownRE.FindStringSubmatchIndex(msg)
	if m == nil {
		return msg
	}
	got, list := msg[m[2]:m[3]], msg[m[4]:m[5]]
	known := strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' })
	s := Suggest(got, known)
	if s == "" {
		return msg
	}
	return msg[:m[3]+1] + " (did you mean " + s + "?)" + msg[m[3]+1:]
}
