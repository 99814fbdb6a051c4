package bullhorn

import (
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

// TestConformance runs the shared source suite over both Bullhorn
// objects against the fake server.
func TestConformance(t *testing.T) {
	cat := schemas.Default()
	proj, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		object, entity, corrupt string
		sizes                   bullhorntest.Sizes
		records                 int
		extra                   []string
	}{
		{"placement", "Placement", "fee", bullhorntest.Sizes{Users: 4, Placements: 230}, 230, nil},
		// No KPI reads a user field, so the user_facts columns are
		// projected too, to give the malformed case a field to corrupt.
		{"user", "CorporateUser", "userDateAdded", bullhorntest.Sizes{Users: 130, Placements: 3}, 130, []string{"is_active", "created_at"}},
	} {
		t.Run(tc.object, func(t *testing.T) {
			pipelinetest.Run(t, pipelinetest.Harness{
				Object:  tc.object,
				Records: tc.records,
				New: func(t *testing.T, storm bool) (pipeline.Source, pipelinetest.Fake) {
					ds := bullhorntest.Generate(5, tc.sizes)
					opts := serverOptions()
					if storm {
						opts.FailEvery, opts.RateLimit, opts.RateLimitInterval = 2, 3, 50*time.Millisecond
					}
					srv := bullhorntest.NewServer(ds, opts)
					t.Cleanup(srv.Close)
					cfg := testConfig(srv.URL())
					cfg.PageSize, cfg.Currency, cfg.MaxRetries = 50, "GBP", 20
					src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "bullhorn",
						Projection: map[string][]string{tc.object: append(proj.Fields(tc.object), tc.extra...)}, Logger: slog.New(slog.DiscardHandler)})
					if err != nil {
						t.Fatal(err)
					}
					return src, &fake{ds: ds, srv: srv, entity: tc.entity, corrupt: tc.corrupt}
				},
			})
		})
	}
}

// fake adapts bullhorntest to pipelinetest.Fake.
type fake struct {
	ds              *bullhorntest.Dataset
	srv             *bullhorntest.Server
	entity, corrupt string
}

func (f *fake) pick(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f.ds.ID(f.entity, from+i*7)
	}
	return out
}

func (f *fake) Change(t *testing.T, n int) []string {
	ids := f.pick(1, n)
	for _, id := range ids {
		f.ds.Touch(f.entity, id, time.Now())
	}
	return ids
}

func (f *fake) Delete(t *testing.T, n int) []string {
	ids := f.pick(60, n)
	for _, id := range ids {
		f.ds.Delete(f.entity, id, time.Now())
	}
	return ids
}

func (f *fake) Corrupt(t *testing.T) string {
	id := f.ds.ID(f.entity, 42)
	f.ds.SetField(f.entity, id, f.corrupt, "not a value")
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
	_, ok := AllowList.Match(method, &url.URL{Path: path})
	return ok
}
