package hubspot

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

const testToken = "pat-na1-0b7a1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d"

// allFields projects every canonical field of deal, lead and user.
func allFields() map[string][]string {
	cat := schemas.Default()
	p := map[string][]string{}
	for _, o := range []string{"deal", "lead", "user"} {
		obj, _ := cat.Object(o)
		for _, f := range obj.Fields {
			p[o] = append(p[o], f.Name)
		}
	}
	return p
}

// fixture is a dataset served by a fake and a source pulling it.
type fixture struct {
	ds    *hubspottest.Dataset
	srv   *hubspottest.Server
	src   *Source
	clock *pipelinetest.Clock
	logs  *bytes.Buffer
}

type setup struct {
	sizes      hubspottest.Sizes
	server     hubspottest.Options
	config     func(*Config)
	projection map[string][]string
	token      string
}

func newFixture(t testing.TB, s setup) *fixture {
	t.Helper()
	clk := pipelinetest.NewClock(hubspottest.Epoch.Add(time.Hour))
	ds := hubspottest.Generate(11, s.sizes)
	s.server.Token = testToken
	s.server.Now = clk.Now
	srv := hubspottest.NewServer(ds, s.server)
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL()
	tok := s.token
	if tok == "" {
		tok = testToken
	}
	cfg.Token = config.NewSecret("HUBSPOT_TOKEN", tok)
	cfg.SearchLag = 0
	cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, 10*time.Millisecond
	cfg.Now = clk.Now
	if s.config != nil {
		s.config(&cfg)
	}
	proj := s.projection
	if proj == nil {
		proj = allFields()
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "hs", Projection: proj, Logger: log})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fixture{ds: ds, srv: srv, src: src, clock: clk, logs: &logs}
}

// sync runs one pass and returns what it emitted.
func (f *fixture) sync(t testing.TB, object, cursor string) *pipelinetest.Collector {
	t.Helper()
	c := &pipelinetest.Collector{}
	if err := f.src.Sync(context.Background(), object, cursor, c); err != nil {
		t.Fatalf("Sync(%s) = %v", object, err)
	}
	return c
}

// allIDs returns the sorted ids of the first n records of object.
func (f *fixture) allIDs(object string, n int) []string {
	out := make([]string, n)
	for i := range n {
		out[i] = f.ds.ID(object, i)
	}
	slices.Sort(out)
	return out
}
