package pipedrive

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/pipedrive/pipedrivetest"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestNoPersonalValuesInLogsOrErrors pulls users and deals, every field
// projected, through retries, rate limits and failures, and searches the
// logs and errors for the dataset's personal
// values and the token.
func TestNoPersonalValuesInLogsOrErrors(t *testing.T) {
	scenarios := []setup{
		{server: pipedrivetest.Options{FailEvery: 3, BurstLimit: 5, RateLimitWindow: 30 * time.Millisecond}},
		{token: "0000-wrong-token-1111"},
		{server: pipedrivetest.Options{FailEvery: 1}, config: func(c *Config) { c.MaxRetries = 1 }},
		{},
	}
	for i, s := range scenarios {
		s.sizes = pipedrivetest.Sizes{Users: 5, Deals: 120, Activities: 90}
		mod := s.config
		s.config = func(c *Config) {
			if mod != nil {
				mod(c)
			}
			c.PageSize = 25
		}
		f := newFixture(t, s)
		id := f.ds.InjectDeal("Call erin.example@example.net on +44 20 7946 0018", pipedrivetest.Epoch)
		f.ds.SetField(f.ds.DealID(3), "value", "ask erin.example@example.net")
		f.ds.SetActivityField(f.ds.ActivityID(4), "type", "lunch with erin.example@example.net")
		var errs []string
		for _, o := range f.src.Objects() {
			c := &pipelinetest.Collector{}
			err := f.src.Sync(context.Background(), o, "", c)
			if err == nil {
				f.ds.Touch(id, f.clock.Now())
				f.clock.Add(time.Minute)
				err = f.src.Sync(context.Background(), o, c.Last(), c)
			}
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
		out := f.logs.String() + strings.Join(errs, "\n")
		for _, v := range append(f.ds.PersonalValues(), testToken, "wrong-token") {
			if strings.Contains(out, v) {
				t.Errorf("scenario %d: logs or errors contain a personal value or token", i)
				break
			}
		}
		if strings.Contains(out, "cursor=") || strings.Contains(out, "updated_since=") {
			t.Errorf("scenario %d: logs or errors contain a query", i)
		}
	}
}

// TestDealTitlesNeverEmitted checks that no emitted deal record carries
// any deal title, whatever the projection asks for.
func TestDealTitlesNeverEmitted(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 3, Deals: 200}})
	b, _ := json.Marshal(f.sync(t, "deal", "").Records())
	for _, v := range f.ds.PersonalValues() {
		if strings.Contains(string(b), v) {
			t.Fatalf("emitted deals contain a personal value of the source")
		}
	}
}
