package pipedrive

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/pipedrive/pipedrivetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

const testToken = "9f1c2d3e4b5a69788796a5b4c3d2e1f0a1b2c3d4"

// allFields projects every canonical field of deal, user and activity.
func allFields() map[string][]string {
	cat := schemas.Default()
	p := map[string][]string{}
	for _, o := range []string{"deal", "user", "activity"} {
		obj, _ := cat.Object(o)
		for _, f := range obj.Fields {
			p[o] = append(p[o], f.Name)
		}
	}
	return p
}

// fixture is a dataset served by a fake and a source pulling it.
type fixture struct {
	ds    *pipedrivetest.Dataset
	srv   *pipedrivetest.Server
	src   *Source
	clock *pipelinetest.Clock
	logs  *bytes.Buffer
}

type setup struct {
	sizes      pipedrivetest.Sizes
	server     pipedrivetest.Options
	config     func(*Config)
	projection map[string][]string
	token      string
}

func newFixture(t testing.TB, s setup) *fixture {
	t.Helper()
	clk := pipelinetest.NewClock(pipedrivetest.Epoch.Add(time.Hour))
	ds := pipedrivetest.Generate(11, s.sizes)
	s.server.Token = testToken
	s.server.Now = clk.Now
	srv := pipedrivetest.NewServer(ds, s.server)
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL()
	tok := s.token
	if tok == "" {
		tok = testToken
	}
	cfg.Token = config.NewSecret("PIPEDRIVE_TOKEN", tok)
	cfg.PageSize = 100
	cfg.UpdateLag = 0
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
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "pd", Projection: proj, Logger: log})
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
