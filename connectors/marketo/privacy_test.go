package marketo

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/marketo/marketotest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestNoPersonalValuesInLogsErrorsOrRecords pulls both objects through
// failures, rate limits, token expiry, bad credentials and a hostile
// value, and searches logs and errors for the dataset's personal values,
// the credentials and query strings, and the emitted records for every
// personal value the source holds (the hostile value may only reach
// created_at, unparsed, for the validate stage to quarantine).
func TestNoPersonalValuesInLogsErrorsOrRecords(t *testing.T) {
	scenarios := []struct {
		opts marketotest.Options
		mod  func(*Config)
	}{
		{opts: marketotest.Options{FailEvery: 3, RateLimit: 4, RateLimitInterval: 20 * time.Millisecond}},
		{opts: marketotest.Options{FailEvery: 1}, mod: func(c *Config) { c.MaxRetries = 1 }},
		{opts: marketotest.Options{ClientSecret: "the-real-secret-differs"}},
		{opts: marketotest.Options{DailyQuota: 9}},
		{},
	}
	const hostile = "erin.example@example.net"
	for i, sc := range scenarios {
		opts := sc.opts
		opts.ClientID, opts.StatusInterval = testClientID, time.Millisecond
		if opts.ClientSecret == "" {
			opts.ClientSecret = testClientSecret
		}
		f := newFixture(t, marketotest.Sizes{Leads: 80, Activities: 120}, opts, sc.mod)
		f.ds.SetField(f.ds.LeadID(3), "createdAt", hostile)
		var errs []string
		var recs []pipeline.Record
		for _, o := range f.src.Objects() {
			c := &pipelinetest.Collector{}
			err := f.src.Sync(context.Background(), o, "", c)
			if err == nil {
				f.srv.ExpireTokens()
				f.ds.Delete(f.ds.LeadID(1), time.Now())
				err = f.src.Sync(context.Background(), o, c.Last(), c)
			}
			if err != nil {
				errs = append(errs, err.Error())
			}
			recs = append(recs, c.Records()...)
		}
		if err := f.src.Check(context.Background()); err != nil {
			errs = append(errs, err.Error())
		}
		out := f.logs.String() + strings.Join(errs, "\n")
		secrets := []string{testClientSecret, hostile, "Bearer", opts.ClientSecret}
		for _, v := range append(f.ds.PersonalValues(), secrets...) {
			if strings.Contains(out, v) {
				t.Errorf("scenario %d: logs or errors contain a personal value or secret", i)
				break
			}
		}
		for _, q := range []string{"client_secret=", "access_token", "nextPageToken=", "?"} {
			if strings.Contains(out, q) {
				t.Errorf("scenario %d: logs or errors contain a query (%q)", i, q)
			}
		}
		personal := map[string]bool{}
		for _, v := range f.ds.PersonalValues() {
			personal[v] = true
		}
		for _, r := range recs {
			for k, v := range r.Fields {
				if s := fmt.Sprint(v); (personal[s] && s != hostile) || (s == hostile && k != "created_at") {
					t.Fatalf("scenario %d: record field %s carries a personal value", i, k)
				}
			}
		}
	}
}
