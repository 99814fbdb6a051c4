package hubspot

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

// TestConformance runs the shared source suite over every HubSpot
// object against the fake server.
func TestConformance(t *testing.T) {
	cat := schemas.Default()
	proj, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		object, vendor, corruptProp string
		sizes                       hubspottest.Sizes
		records                     int
		text, date                  [2]string // canonical field and property poisons are planted in
	}{
		{"deal", "deals", "amount", hubspottest.Sizes{Owners: 3, Deals: 450, Contacts: 5}, 450,
			[2]string{"currency", "deal_currency_code"}, [2]string{"close_date", "closedate"}},
		{"lead", "contacts", "createdate", hubspottest.Sizes{Owners: 3, Deals: 5, Contacts: 350}, 350,
			[2]string{"lead_source", "hs_analytics_source"}, [2]string{"created_at", "createdate"}},
	} {
		t.Run(tc.object, func(t *testing.T) {
			pipelinetest.Run(t, pipelinetest.Harness{
				Object:  tc.object,
				Records: tc.records,
				New: func(t *testing.T, storm bool) (pipeline.Source, pipelinetest.Fake) {
					ds := hubspottest.Generate(5, tc.sizes)
					opts := hubspottest.Options{Token: testToken}
					if storm {
						opts.FailEvery, opts.SecondlyLimit, opts.RateLimitInterval = 2, 4, 50*time.Millisecond
					}
					srv := hubspottest.NewServer(ds, opts)
					t.Cleanup(srv.Close)
					cfg := DefaultConfig()
					cfg.BaseURL, cfg.Token, cfg.SearchLag = srv.URL(), config.NewSecret("HUBSPOT_TOKEN", testToken), 0
					cfg.RetryWaitMin, cfg.RetryWaitMax, cfg.MaxRetries = time.Millisecond, 20*time.Millisecond, 20
					src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "hubspot",
						Projection: map[string][]string{tc.object: proj.Fields(tc.object)}, Logger: slog.New(slog.DiscardHandler)})
					if err != nil {
						t.Fatal(err)
					}
					return src, &fake{ds: ds, srv: srv, vendor: tc.vendor, corrupt: tc.corruptProp, text: tc.text, date: tc.date}
				},
			})
		})
	}
}

// fake adapts hubspottest to pipelinetest.Fake.
type fake struct {
	ds              *hubspottest.Dataset
	srv             *hubspottest.Server
	vendor, corrupt string
	text, date      [2]string
}

// Plant implements pipelinetest.HostileFake: record 150 (on the second
// page) carries the poison as the raw JSON of one property.
func (f *fake) Plant(t *testing.T, p pipelinetest.Poison) (id, field string, ok bool) {
	id = f.ds.ID(f.vendor, 150)
	at := f.text
	var raw string
	switch p {
	case pipelinetest.PoisonNUL:
		raw = `"US\u0000D"`
	case pipelinetest.PoisonHuge:
		raw = `"` + strings.Repeat("x", 1_500_000) + `"`
	case pipelinetest.PoisonFarDate:
		at, raw = f.date, `"999999999999999"` // epoch ms in the year 33658
	case pipelinetest.PoisonNested:
		raw = `{"value":["USD"]}`
	case pipelinetest.PoisonWrongType:
		raw = `12345`
	default:
		t.Fatalf("unknown poison %s", p)
	}
	f.ds.SetRawProperty(f.vendor, id, at[1], json.RawMessage(raw))
	return id, at[0], true
}

// Cycle implements pipelinetest.HostileFake.
func (f *fake) Cycle(t *testing.T) bool {
	f.srv.CycleCursors()
	return true
}

func (f *fake) pick(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f.ds.ID(f.vendor, from+i*7)
	}
	return out
}

func (f *fake) Change(t *testing.T, n int) []string {
	ids := f.pick(1, n)
	for _, id := range ids {
		f.ds.Touch(f.vendor, id, time.Now())
	}
	return ids
}

func (f *fake) Delete(t *testing.T, n int) []string {
	ids := f.pick(100, n)
	for _, id := range ids {
		f.ds.Archive(f.vendor, id, time.Now())
	}
	return ids
}

func (f *fake) Corrupt(t *testing.T) string {
	id := f.ds.ID(f.vendor, 42)
	f.ds.SetProperty(f.vendor, id, f.corrupt, "not a value")
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
