package marketo

import (
	"context"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/marketo/marketotest"
)

func TestCheckFieldsSaysWhatItCouldVerify(t *testing.T) {
	// owner_id and the contact fields have no Marketo field tally pulls.
	always := []string{"activity.body.", "activity.contact_id.", "activity.owner_id.", "activity.subject.",
		"lead.company.", "lead.email.", "lead.first_name.", "lead.last_name.", "lead.owner_id.", "lead.phone."}
	for _, tc := range []struct {
		name       string
		hide       string
		types      []int
		unverified []string // object.field.property, besides always
	}{
		{"every field exists", "", nil, nil},
		{"mql field the subscription lacks", "mqlDate", nil, []string{"lead.mql_at.mqlDate"}},
		{"activity type the instance lacks", "", []int{1, 6, 999}, []string{"activity.type.activityTypeId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, marketotest.Sizes{Leads: 5, Activities: 20}, serverOptions(), func(c *Config) {
				if tc.types != nil {
					c.ActivityTypeIDs = tc.types
				}
			})
			if tc.hide != "" {
				f.srv.HideLeadField(tc.hide)
			}
			got, err := f.src.CheckFields(context.Background())
			if err != nil {
				t.Fatalf("CheckFields = %v", err)
			}
			want := map[string]bool{}
			for _, w := range append(append([]string(nil), always...), tc.unverified...) {
				want[w] = true
			}
			seen := map[string]bool{}
			for _, st := range got {
				key := st.Object + "." + st.Field + "." + st.Property
				seen[st.Object+"."+st.Field] = true
				if st.Verified == want[key] {
					t.Errorf("%s verified = %t, want %t (reason %q)", key, st.Verified, !want[key], st.Reason)
				}
				if !st.Verified && st.Reason == "" {
					t.Errorf("%s unverified without a reason", key)
				}
				if strings.Contains(st.Reason, "999") != (tc.types != nil && st.Field == "type") {
					t.Errorf("%s reason %q", key, st.Reason)
				}
			}
			for _, w := range []string{"lead.created_at", "lead.lead_source", "lead.lifecycle_stage", "lead.mql_at", "activity.occurred_at", "activity.type"} {
				if !seen[w] {
					t.Errorf("no status for %s", w)
				}
			}
		})
	}
}
