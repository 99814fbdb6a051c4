package salesforce

import (
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestConformance runs the shared source suite over every Salesforce
// object against the fake org.
func TestConformance(t *testing.T) {
	proj := kpiProjection(t)
	// No KPI reads users; the warehouse's user facts keep these two.
	proj["user"] = append(proj["user"], "is_active", "created_at")
	sizes := salesforcetest.Sizes{Users: 650, Opportunities: 700, Leads: 650, Tasks: 400, Events: 300}
	for _, tc := range []struct {
		object  string
		change  salesforcetest.Kind // kind changed, deleted and corrupted
		del     salesforcetest.Kind
		field   string
		bad     any
		records int
	}{
		{"deal", salesforcetest.Opportunity, salesforcetest.Opportunity, "Amount", "12,50 EUR", sizes.Opportunities},
		{"lead", salesforcetest.Lead, salesforcetest.Lead, "CreatedDate", "yesterday", sizes.Leads},
		{"user", salesforcetest.User, salesforcetest.User, "IsActive", "yes", sizes.Users},
		{"activity", salesforcetest.Task, salesforcetest.Event, "ActivityDate", "31/12/2026", sizes.Tasks + sizes.Events},
	} {
		t.Run(tc.object, func(t *testing.T) {
			pipelinetest.Run(t, pipelinetest.Harness{
				Object:  tc.object,
				Records: tc.records,
				New: func(t *testing.T, storm bool) (pipeline.Source, pipelinetest.Fake) {
					ds := salesforcetest.Generate(5, sizes)
					opts := salesforcetest.Options{ClientID: testClientID, ClientSecret: testClientSecret}
					if storm {
						opts.FailEvery = 2
					}
					srv := salesforcetest.NewServer(ds, opts)
					t.Cleanup(srv.Close)
					cfg := DefaultConfig()
					cfg.LoginURL, cfg.ClientID, cfg.PageSize = srv.URL(), testClientID, 200
					cfg.ClientSecret = config.NewSecret("SF_CLIENT_SECRET", testClientSecret)
					cfg.RetryWaitMin, cfg.RetryWaitMax, cfg.MaxRetries = time.Millisecond, 20*time.Millisecond, 20
					src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "salesforce",
						Projection: map[string][]string{tc.object: proj[tc.object]}, Logger: slog.New(slog.DiscardHandler)})
					if err != nil {
						t.Fatal(err)
					}
					return src, &fake{ds: ds, srv: srv, change: tc.change, del: tc.del, field: tc.field, bad: tc.bad}
				},
			})
		})
	}
}

// fake adapts salesforcetest to pipelinetest.Fake.
type fake struct {
	ds          *salesforcetest.Dataset
	srv         *salesforcetest.Server
	change, del salesforcetest.Kind
	field       string
	bad         any
}

func (f *fake) pick(k salesforcetest.Kind, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f.ds.ID(k, from+i*7)
	}
	return out
}

func (f *fake) Change(t *testing.T, n int) []string {
	ids := f.pick(f.change, 1, n)
	for _, id := range ids {
		f.ds.Touch(id, time.Now())
	}
	return ids
}

// Delete soft-deletes records. Salesforce users cannot be deleted, only
// deactivated (an upsert with is_active false), so for users the
// subtest is skipped.
func (f *fake) Delete(t *testing.T, n int) []string {
	if f.del == salesforcetest.User {
		t.Skip("Salesforce users are deactivated, never deleted")
	}
	ids := f.pick(f.del, 100, n)
	for _, id := range ids {
		f.ds.Delete(id, time.Now())
	}
	return ids
}

func (f *fake) Corrupt(t *testing.T) string {
	id := f.ds.ID(f.change, 42)
	f.ds.SetField(id, f.field, f.bad)
	return id
}

func (f *fake) Requests() []string {
	var out []string
	for _, r := range f.srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (f *fake) Allowed(method, path string) bool {
	u := &url.URL{Path: path}
	_, rest := AllowList.Match(method, u)
	_, token := TokenAllowList.Match(method, u)
	return rest || token
}
