package hubspot

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

// TestNoPersonalValuesInLogsOrErrors pulls everything, personal fields
// included, through retries, rate limits and failures, and searches the
// logs and errors for the dataset's personal values and the token.
func TestNoPersonalValuesInLogsOrErrors(t *testing.T) {
	scenarios := []setup{
		{server: hubspottest.Options{FailEvery: 3, SecondlyLimit: 6, RateLimitInterval: 30 * time.Millisecond}},
		{server: hubspottest.Options{SearchCap: 20}, config: func(c *Config) { c.SearchCap = 20; c.SearchPageSize = 10 }},
		{server: hubspottest.Options{DailyLimit: 4}},
		{token: "pat-na1-wrong-0000-1111"},
		{server: hubspottest.Options{FailEvery: 1}, config: func(c *Config) { c.MaxRetries = 1 }},
	}
	for i, s := range scenarios {
		s.sizes = hubspottest.Sizes{Owners: 5, Deals: 120, Contacts: 80}
		if s.config == nil {
			s.config = func(*Config) {}
		}
		mod := s.config
		s.config = func(c *Config) { mod(c); c.PageSize = 25 }
		f := newFixture(t, s)
		id := f.ds.InjectDeal("erin.example@example.net", "+44 20 7946 0018", hubspottest.Epoch)
		f.ds.SetProperty("deals", id, "amount", "call erin.example@example.net")
		var errs []string
		for _, o := range f.src.Objects() {
			c := &pipelinetest.Collector{}
			err := f.src.Sync(context.Background(), o, "", c)
			if err == nil {
				for k := range 40 {
					f.ds.Touch("deals", f.ds.ID("deals", k), f.clock.Now().Add(time.Duration(k%5)*time.Millisecond))
				}
				f.clock.Set(f.clock.Now().Add(time.Second))
				err = f.src.Sync(context.Background(), o, c.Last(), &pipelinetest.Collector{})
			}
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
		out := f.logs.String() + strings.Join(errs, "\n")
		for _, v := range append(f.ds.PersonalValues(), testToken, "pat-na1-wrong", "erin.example") {
			if strings.Contains(out, v) {
				t.Errorf("scenario %d: logs or errors contain a personal value or token", i)
				break
			}
		}
		for _, u := range []string{"after=", "?", "properties="} {
			if strings.Contains(out, u) {
				t.Errorf("scenario %d: logs or errors contain a query (%q)", i, u)
			}
		}
	}
}

// TestKPIsNeverRequestContactPII projects every KPI of the catalog and
// checks that no request names a personal property.
func TestKPIsNeverRequestContactPII(t *testing.T) {
	cat := schemas.Default()
	proj, err := cat.Project(cat.KPINames(), []string{"user"})
	if err != nil {
		t.Fatal(err)
	}
	p := map[string][]string{}
	for _, o := range proj.Objects() {
		p[o] = proj.Fields(o)
	}
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 3, Deals: 20, Contacts: 20}, projection: p})
	for _, o := range f.src.Objects() {
		done := f.sync(t, o, "").Last()
		f.clock.Set(f.clock.Now().Add(time.Minute))
		f.sync(t, o, done)
	}
	for _, r := range f.srv.Requests() {
		q, _ := url.QueryUnescape(r.Query)
		for _, prop := range []string{"email", "firstname", "lastname", "phone", "company", "dealname", "description"} {
			if strings.Contains(q+string(r.Body), `"`+prop+`"`) || strings.Contains(","+q+",", ","+prop+",") ||
				strings.Contains(q, "properties="+prop+",") {
				t.Errorf("request %s %s asks for %s", r.Method, r.Path, prop)
			}
		}
	}
}
