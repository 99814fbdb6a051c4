package salesforce

import (
	"context"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

func TestCheckFieldsSaysWhatItCouldVerify(t *testing.T) {
	for _, tc := range []struct {
		name       string
		multi      bool
		unverified []string // object.field.property, sorted
	}{
		// pipeline and mql_at have no Salesforce field.
		{"every field readable", false, []string{"deal.pipeline.", "lead.mql_at."}},
		// The org has no multi-currency: CurrencyIsoCode is refused.
		{"multi_currency on a single-currency org", true,
			[]string{"deal.currency.Opportunity.CurrencyIsoCode", "deal.pipeline.", "lead.mql_at."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proj := kpiProjection(t)
			proj["deal"] = append(proj["deal"], "pipeline")
			f := newFixture(t, setup{projection: proj, config: func(c *Config) { c.MultiCurrency = tc.multi }})
			before := len(f.srv.Requests())
			got, err := f.src.CheckFields(context.Background())
			if err != nil {
				t.Fatalf("CheckFields = %v", err)
			}
			pipelinetest.CheckFieldStatuses(t, got, tc.unverified,
				[]string{"deal.amount", "deal.close_date", "lead.lead_source", "activity.occurred_at", "activity.type"})
			for _, r := range f.srv.Requests()[before:] {
				if !strings.Contains(r.Query, "LIMIT+1") && !strings.Contains(r.Query, "LIMIT%201") {
					t.Errorf("check sent %s %s?%s, want only LIMIT 1 queries", r.Method, r.Path, r.Query)
				}
			}
		})
	}
}
