package bullhorn

import (
	"context"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
)

func TestCheckFieldsSaysWhatItCouldVerify(t *testing.T) {
	for _, tc := range []struct {
		name       string
		fee        string
		unverified []string // object.field.property, sorted
	}{
		// candidate fields are never pulled; the currency is configured.
		{"every field exists", "fee", []string{"placement.candidate_id.", "placement.candidate_name."}},
		{"fee_field the entity lacks", "customFloat9",
			[]string{"placement.candidate_id.", "placement.candidate_name.", "placement.fee.Placement.customFloat9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, bullhorntest.Sizes{Users: 3, Placements: 3}, serverOptions(), func(c *Config) { c.FeeField = tc.fee })
			if err := f.src.Open(context.Background()); err != nil {
				t.Fatal(err)
			}
			got, err := f.src.CheckFields(context.Background())
			if err != nil {
				t.Fatalf("CheckFields = %v", err)
			}
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
			if strings.Join(bad, ",") != strings.Join(tc.unverified, ",") {
				t.Errorf("unverified = %v, want %v", bad, tc.unverified)
			}
			for _, want := range []string{"placement.owner_id", "placement.status", "placement.start_date", "user.email", "user.is_active"} {
				if !seen[want] {
					t.Errorf("no status for %s", want)
				}
			}
			if seen["placement.currency"] {
				t.Error("the configured currency is reported as a Bullhorn field")
			}
		})
	}
}
