package salesforce

import (
	"context"
	"strings"
	"testing"
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
			for _, want := range []string{"deal.amount", "deal.close_date", "lead.lead_source", "activity.occurred_at", "activity.type"} {
				if !seen[want] {
					t.Errorf("no status for %s", want)
				}
			}
			for _, r := range f.srv.Requests()[before:] {
				if !strings.Contains(r.Query, "LIMIT+1") && !strings.Contains(r.Query, "LIMIT%201") {
					t.Errorf("check sent %s %s?%s, want only LIMIT 1 queries", r.Method, r.Path, r.Query)
				}
			}
		})
	}
}
