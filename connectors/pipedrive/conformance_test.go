package pipedrive

import (
	"encoding/json"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/pipedrive/pipedrivetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

// TestConformance runs the shared source suite over Pipedrive deals
// against the fake server. Users are not run through it: /v1/users is
// one unpaged answer and Pipedrive users are deactivated, never deleted
// (see TestUsers).
func TestConformance(t *testing.T) {
	cat := schemas.Default()
	proj, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		t.Fatal(err)
	}
	const deals = 450
	pipelinetest.Run(t, pipelinetest.Harness{
		Object:  "deal",
		Records: deals,
		New: func(t *testing.T, storm bool) (pipeline.Source, pipelinetest.Fake) {
			ds := pipedrivetest.Generate(5, pipedrivetest.Sizes{Users: 3, Deals: deals})
			opts := pipedrivetest.Options{Token: testToken}
			if storm {
				opts.FailEvery, opts.BurstLimit, opts.RateLimitWindow = 2, 4, 50*time.Millisecond
			}
			srv := pipedrivetest.NewServer(ds, opts)
			t.Cleanup(srv.Close)
			cfg := DefaultConfig()
			cfg.BaseURL, cfg.Token, cfg.UpdateLag, cfg.PageSize = srv.URL(), config.NewSecret("PIPEDRIVE_TOKEN", testToken), 0, 100
			cfg.RetryWaitMin, cfg.RetryWaitMax, cfg.MaxRetries = time.Millisecond, 20*time.Millisecond, 20
			src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "pipedrive",
				Projection: map[string][]string{"deal": proj.Fields("deal")}, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			return src, &fake{ds: ds, srv: srv}
		},
	})
}

// fake adapts pipedrivetest to pipelinetest.Fake.
type fake struct {
	ds  *pipedrivetest.Dataset
	srv *pipedrivetest.Server
}

func (f *fake) Change(t *testing.T, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f.ds.DealID(1 + i*7)
		f.ds.Touch(out[i], time.Now())
	}
	return out
}

// Delete deletes half the deals (status=deleted) and archives the rest.
func (f *fake) Delete(t *testing.T, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f.ds.DealID(100 + i*7)
		if i%2 == 0 {
			f.ds.Delete(out[i], time.Now())
		} else {
			f.ds.Archive(out[i], time.Now())
		}
	}
	return out
}

// poison is the wire value of one poison, and whether it goes into the
// text field (else the time field).
func poison(t *testing.T, p pipelinetest.Poison, farDate string) (value any, text bool) {
	switch p {
	case pipelinetest.PoisonNUL:
		return "US\x00D", true
	case pipelinetest.PoisonHuge:
		return strings.Repeat("x", 1_500_000), true
	case pipelinetest.PoisonFarDate:
		return farDate, false
	case pipelinetest.PoisonNested:
		return json.RawMessage(`{"code":["USD"]}`), true
	case pipelinetest.PoisonWrongType:
		return 12345, true
	}
	t.Fatalf("unknown poison %s", p)
	return nil, false
}

// Plant implements pipelinetest.HostileFake: deal 150 (on the second
// page) carries the poison in currency, or a close_time in year 0.
func (f *fake) Plant(t *testing.T, p pipelinetest.Poison) (id, field string, ok bool) {
	id = f.ds.DealID(150)
	v, text := poison(t, p, "0000-01-01T00:00:00Z")
	if text {
		f.ds.SetField(id, "currency", v)
		return id, "currency", true
	}
	f.ds.SetField(id, "close_time", v)
	return id, "close_date", true
}

// Cycle implements pipelinetest.HostileFake.
func (f *fake) Cycle(t *testing.T) bool {
	f.srv.CycleCursors()
	return true
}

func (f *fake) Corrupt(t *testing.T) string {
	id := f.ds.DealID(42)
	f.ds.SetField(id, "value", "not a value")
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

// TestActivityConformance runs the shared source suite over Pipedrive
// activities; deletes are activities the listing returns with is_deleted
// true.
func TestActivityConformance(t *testing.T) {
	cat := schemas.Default()
	proj, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		t.Fatal(err)
	}
	const activities = 450
	pipelinetest.Run(t, pipelinetest.Harness{
		Object:  "activity",
		Records: activities,
		New: func(t *testing.T, storm bool) (pipeline.Source, pipelinetest.Fake) {
			ds := pipedrivetest.Generate(5, pipedrivetest.Sizes{Users: 3, Activities: activities})
			opts := pipedrivetest.Options{Token: testToken}
			if storm {
				opts.FailEvery, opts.BurstLimit, opts.RateLimitWindow = 2, 4, 50*time.Millisecond
			}
			srv := pipedrivetest.NewServer(ds, opts)
			t.Cleanup(srv.Close)
			cfg := DefaultConfig()
			cfg.BaseURL, cfg.Token, cfg.UpdateLag, cfg.PageSize = srv.URL(), config.NewSecret("PIPEDRIVE_TOKEN", testToken), 0, 100
			cfg.RetryWaitMin, cfg.RetryWaitMax, cfg.MaxRetries = time.Millisecond, 20*time.Millisecond, 20
			src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "pipedrive",
				Projection: map[string][]string{"activity": proj.Fields("activity")}, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			return src, &activityFake{fake{ds: ds, srv: srv}}
		},
	})
}

// activityFake adapts pipedrivetest activities to pipelinetest.Fake.
type activityFake struct{ fake }

func (f *activityFake) Change(t *testing.T, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f.ds.ActivityID(1 + i*7)
		f.ds.TouchActivity(out[i], time.Now())
	}
	return out
}

func (f *activityFake) Delete(t *testing.T, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f.ds.ActivityID(100 + i*7)
		f.ds.DeleteActivity(out[i], time.Now())
	}
	return out
}

// Plant implements pipelinetest.HostileFake: activity 150 carries the
// poison in type, or a due_date in year 0.
func (f *activityFake) Plant(t *testing.T, p pipelinetest.Poison) (id, field string, ok bool) {
	id = f.ds.ActivityID(150)
	v, text := poison(t, p, "0000-01-01")
	if text {
		f.ds.SetActivityField(id, "type", v)
		return id, "type", true
	}
	f.ds.SetActivityField(id, "due_date", v)
	return id, "occurred_at", true
}

func (f *activityFake) Corrupt(t *testing.T) string {
	id := f.ds.ActivityID(42)
	f.ds.SetActivityField(id, "due_date", "not a date")
	return id
}
