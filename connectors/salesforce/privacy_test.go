package salesforce

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestNoPersonalValuesInLogsOrErrors pulls every object, purpose fields
// of users included, through failures, session expiry, quota stops and
// refused credentials, and searches the logs and errors for the org's
// personal values and every credential.
func TestNoPersonalValuesInLogsOrErrors(t *testing.T) {
	scenarios := []setup{
		{server: salesforcetest.Options{FailEvery: 3}},
		{server: salesforcetest.Options{FailEvery: 1}, config: func(c *Config) { c.MaxRetries = 1 }},
		{server: salesforcetest.Options{DailyLimit: 12, Used: 5}},
		{server: salesforcetest.Options{DailyLimit: 8}, config: func(c *Config) { c.QuotaShare = 1 }},
		{config: func(c *Config) { c.RefreshToken = config.NewSecret("SF_REFRESH_TOKEN", testRefresh) }},
		{config: func(c *Config) { c.ClientSecret = config.NewSecret("SF_CLIENT_SECRET", "wrong-secret-value") }, noOpen: true},
		{config: func(c *Config) { c.MultiCurrency = true }},
	}
	for i, s := range scenarios {
		s.sizes = salesforcetest.Sizes{Users: 5, Opportunities: 300, Leads: 250, Tasks: 200, Events: 200}
		s.projection = allFields()
		f := newFixture(t, s)
		f.ds.SetField(f.ds.ID(salesforcetest.Opportunity, 3), "Amount", "call erin.example@example.net")
		var errs []string
		if s.noOpen {
			if err := f.src.Open(context.Background()); err != nil {
				errs = append(errs, err.Error())
			}
		}
		for _, o := range f.src.Objects() {
			c := &pipelinetest.Collector{}
			err := f.src.Sync(context.Background(), o, "", c)
			if err == nil {
				f.srv.ExpireSessions()
				f.ds.Touch(f.ds.ID(salesforcetest.Opportunity, 1), time.Now())
				err = f.src.Sync(context.Background(), o, c.Last(), &pipelinetest.Collector{})
			}
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
		out := f.logs.String() + strings.Join(errs, "\n")
		for _, v := range append(f.ds.PersonalValues(), testClientSecret, testRefresh, "wrong-secret-value", "erin.example", salesforcetest.OrgID[:15]+"!") {
			if strings.Contains(out, v) {
				t.Errorf("scenario %d: logs or errors contain a personal value or credential", i)
				break
			}
		}
		for _, u := range []string{"SELECT", "?q=", "01g"} {
			if strings.Contains(out, u) {
				t.Errorf("scenario %d: logs or errors contain a query or locator (%q)", i, u)
			}
		}
	}
}

// TestSOQLNeverRequestsCustomerPII projects every canonical field, and
// then every KPI, and checks the SELECT lists: no customer name, email,
// phone, company, subject, description or WhoId is ever requested, and
// user identity only when a purpose projects it.
func TestSOQLNeverRequestsCustomerPII(t *testing.T) {
	never := regexp.MustCompile(`\b(Name|FirstName|LastName|Email|Phone|Company|Subject|Description|WhoId|NextStep|Username)\b`)
	for _, tc := range []struct {
		name       string
		projection map[string][]string
		userIDs    bool // user Email/FirstName/LastName allowed
	}{
		{"every field", allFields(), true},
		{"every kpi", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{projection: tc.projection})
			for _, o := range f.src.Objects() {
				f.sync(t, o, "")
			}
			for _, r := range f.srv.Requests() {
				q, _ := url.ParseQuery(r.Query)
				soql := q.Get("q")
				if soql == "" {
					continue
				}
				sel, _, _ := strings.Cut(soql, " FROM ")
				if tc.userIDs && strings.Contains(soql, "FROM User") {
					sel = regexp.MustCompile(`\b(Email|FirstName|LastName)\b`).ReplaceAllString(sel, "")
				}
				if m := never.FindString(sel); m != "" {
					t.Errorf("query %q requests %s", soql, m)
				}
			}
		})
	}
}
