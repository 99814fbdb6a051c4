package salesforcetest

import (
	"fmt"
	"strings"
)

// Kind is a Salesforce object type the fake serves.
type Kind int

// The sObjects the fake serves.
const (
	User Kind = iota
	Opportunity
	Lead
	Task
	Event
	numKinds
)

var (
	kindNames = [numKinds]string{"User", "Opportunity", "Lead", "Task", "Event"}
	// keyPrefix is the three-character key prefix Salesforce gives every
	// id of an object type.
	keyPrefix = [numKinds]string{"005", "006", "00Q", "00T", "00U"}
)

func (k Kind) String() string { return kindNames[k] }

// KindOf returns the kind of an sObject name (case-insensitive, as in
// SOQL).
func KindOf(sobject string) (Kind, bool) {
	for k, n := range kindNames {
		if strings.EqualFold(n, sobject) {
			return Kind(k), true
		}
	}
	return 0, false
}

const (
	base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	// pod is the fixed "instance" part of every generated id.
	pod = "5g0"
	// OrgID is the organization id of every fake org.
	OrgID = "00D5g000004XyZwEAK"
)

// makeID returns the 18-character id of record i of prefix: the
// 15-character case-sensitive id and its case-insensitive checksum.
// Ids of one kind sort in index order.
func makeID(prefix string, i int) string {
	var b [9]byte
	v := i
	for j := len(b) - 1; j >= 0; j-- {
		b[j] = base62[v%62]
		v /= 62
	}
	id15 := prefix + pod + string(b[:])
	return id15 + checksum(id15)
}

// checksum is Salesforce's 3-character suffix: for each 5-character
// chunk, a bit per upper-case letter, mapped to A-Z0-5.
func checksum(id15 string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	var out [3]byte
	for c := range 3 {
		flags := 0
		for k := range 5 {
			if ch := id15[c*5+k]; ch >= 'A' && ch <= 'Z' {
				flags |= 1 << k
			}
		}
		out[c] = alphabet[flags]
	}
	return string(out[:])
}

// parseID returns the kind and index of a generated id.
func parseID(id string) (Kind, int, bool) {
	if len(id) != 18 || id[3:6] != pod || checksum(id[:15]) != id[15:] {
		return 0, 0, false
	}
	for k, p := range keyPrefix {
		if id[:3] != p {
			continue
		}
		v := 0
		for _, ch := range id[6:15] {
			d := strings.IndexRune(base62, ch)
			if d < 0 {
				return 0, 0, false
			}
			v = v*62 + d
		}
		return Kind(k), v, true
	}
	return 0, 0, false
}

func mustParse(id string) (Kind, int) {
	k, i, ok := parseID(id)
	if !ok {
		panic(fmt.Sprintf("salesforcetest: %q is not a generated id", id))
	}
	return k, i
}
