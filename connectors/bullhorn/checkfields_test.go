package bullhorn

import (
	"context"
	"testing"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
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
			seen := pipelinetest.CheckFieldStatuses(t, got, tc.unverified,
				[]string{"placement.owner_id", "placement.status", "placement.start_date", "user.email", "user.is_active"})
			if seen["placement.currency"] {
				t.Error("the configured currency is reported as a Bullhorn field")
			}
		})
	}
}
