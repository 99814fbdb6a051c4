package bullhorn

import (
	"log/slog"
	"net/url"
	"strings"
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
		// text and when are the (Bullhorn, canonical) fields poisons
		// land in.
		text, when [2]string
	}{
		// status gives the hostile case a text field.
		{"placement", "Placement", "fee", bullhorntest.Sizes{Users: 4, Placements: 230}, 230, []string{"status"},
			[2]string{"status", "status"}, [2]string{"dateAdded", "created_at"}},
		// No KPI reads a user field, so the user_facts columns are
		// projected too, to give the malformed case a field to corrupt;
		// email (the identity vault's) gives the hostile case a text field.
		{"user", "CorporateUser", "userDateAdded", bullhorntest.Sizes{Users: 130, Placements: 3}, 130, []string{"is_active", "created_at", "email"},
			[2]string{"email", "email"}, [2]string{"userDateAdded", "created_at"}},
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
					return src, &fake{ds: ds, srv: srv, entity: tc.entity, corrupt: tc.corrupt, text: tc.text, when: tc.when}
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
	text, when      [2]string
}

// Plant puts p into the record with the 75th id, inside a page of 50
// that holds good records too.
func (f *fake) Plant(t *testing.T, p pipelinetest.Poison) (id, field string, ok bool) {
	id = f.ds.ID(f.entity, 75)
	target, value := f.text, any(nil)
	switch p {
	case pipelinetest.PoisonNUL:
		value = "Appr\x00oved"
	case pipelinetest.PoisonHuge:
		value = strings.Repeat("x", 1_500_000)
	case pipelinetest.PoisonFarDate:
		// Epoch milliseconds of a day around the year 318,857.
		target, value = f.when, int64(1e16)
	case pipelinetest.PoisonNested:
		value = map[string]any{"id": 7, "label": []any{"Approved"}}
	case pipelinetest.PoisonWrongType:
		value = 42
	default:
		return "", "", false
	}
	f.ds.SetField(f.entity, id, target[0], value)
	return id, target[1], true
}

// Cycle makes the server serve the first and second pages in turn,
// whatever the keyset asks.
func (f *fake) Cycle(t *testing.T) bool {
	f.srv.Cycle()
	return true
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
