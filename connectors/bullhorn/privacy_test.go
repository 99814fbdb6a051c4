package bullhorn

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestNoPersonalValuesInLogsOrErrors pulls everything, user names
// included, through retries, rate limits, session expiry and failures,
// and searches logs and errors for the dataset's personal values and
// every credential.
func TestNoPersonalValuesInLogsOrErrors(t *testing.T) {
	scenarios := []struct {
		opts bullhorntest.Options
		mod  func(*Config)
	}{
		{opts: bullhorntest.Options{FailEvery: 3, RateLimit: 4, RateLimitInterval: 30 * time.Millisecond}},
		{opts: bullhorntest.Options{FailEvery: 1}, mod: func(c *Config) { c.MaxRetries = 1 }},
		{mod: func(c *Config) { c.RefreshToken = config.NewSecret("BULLHORN_REFRESH_TOKEN", "rt-wrong-abcdef") }},
		{},
	}
	for i, sc := range scenarios {
		opts := sc.opts
		opts.ClientID, opts.ClientSecret, opts.RefreshToken = testClientID, testClientSecret, testRefresh
		f := newFixture(t, bullhorntest.Sizes{Users: 6, Placements: 90}, opts, func(c *Config) {
			c.PageSize = 20
			if sc.mod != nil {
				sc.mod(c)
			}
		})
		f.ds.InjectPlacement("call erin.example@example.net on +44 20 7946 0018", bullhorntest.Epoch)
		f.ds.SetField("placement", f.ds.ID("placement", 3), "fee", "erin.example@example.net")
		var errs []string
		for _, o := range f.src.Objects() {
			c := &pipelinetest.Collector{}
			err := f.src.Sync(context.Background(), o, "", c)
			if err == nil {
				f.srv.ExpireSessions()
				f.ds.Delete(o, f.ds.ID(o, 1), time.Now())
				time.Sleep(2 * time.Millisecond)
				err = f.src.Sync(context.Background(), o, c.Last(), &pipelinetest.Collector{})
			}
			if err != nil {
				errs = append(errs, err.Error())
			}
		}
		out := f.logs.String() + strings.Join(errs, "\n")
		secrets := []string{testRefresh, testClientSecret, f.srv.RefreshToken(), "rt-wrong", "erin.example"}
		for _, v := range append(f.ds.PersonalValues(), secrets...) {
			if strings.Contains(out, v) {
				t.Errorf("scenario %d: logs or errors contain a personal value or secret", i)
				break
			}
		}
		for _, q := range []string{"access_token", "BhRestToken=", "where=", "?"} {
			if strings.Contains(out, q) {
				t.Errorf("scenario %d: logs or errors contain a query (%q)", i, q)
			}
		}
	}
}
