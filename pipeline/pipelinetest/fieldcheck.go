package pipelinetest

import (
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline"
)

// CheckFieldStatuses asserts what pipeline.FieldChecker promises of
// statuses got: each unverified status has a reason; the unverified
// ones, as "object.field.property" in got's order, are exactly
// unverified; and every "object.field" of reported has a status. It
// returns the set of "object.field" that have a status, for the
// connector's own assertions.
func CheckFieldStatuses(t testing.TB, got []pipeline.FieldStatus, unverified, reported []string) map[string]bool {
	t.Helper()
	var bad []string
	seen := map[string]bool{}
	for _, st := range got {
		seen[st.Object+"."+st.Field] = true
		if !st.Verified {
			if st.Reason == "" {
				t.Errorf("%+v: unverified without a reason", st)
			}
			bad = append(bad, st.Object+"."+st.Field+"."+st.Property)
		}
	}
	if strings.Join(bad, ",") != strings.Join(unverified, ",") {
		t.Errorf("unverified = %v, want %v", bad, unverified)
	}
	for _, want := range reported {
		if !seen[want] {
			t.Errorf("no status for %s", want)
		}
	}
	return seen
}

// CheckOneUnverified asserts statuses got in which exactly one field
// fails its check: the status of want's object and field equals want;
// every other field that has a property is verified, and one without a
// property is not; and every "object.field" of reported has a status.
func CheckOneUnverified(t testing.TB, got []pipeline.FieldStatus, want pipeline.FieldStatus, reported []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, st := range got {
		key := st.Object + "." + st.Field
		seen[key] = true
		switch {
		case st.Object == want.Object && st.Field == want.Field:
			if st != want {
				t.Errorf("%s = %+v, want %+v", key, st, want)
			}
		case st.Property == "":
			if st.Verified {
				t.Errorf("%s has no property but is verified", key)
			}
		case !st.Verified:
			t.Errorf("%s (%s) not verified: %s", key, st.Property, st.Reason)
		}
	}
	for _, k := range reported {
		if !seen[k] {
			t.Errorf("no status for %s", k)
		}
	}
}
