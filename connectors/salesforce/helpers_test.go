package salesforce

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

const (
	testClientID     = "3MVG9test.client_id-0001"
	testClientSecret = "s3cr3t-8F2D1C0B9A7E6D5C4B3A"
	testRefresh      = "5Aep861refresh.token-9Z8Y7X"
)

// kpiProjection is the projection of every KPI of the catalog.
func kpiProjection(t testing.TB) map[string][]string {
	cat := schemas.Default()
	proj, err := cat.Project(cat.KPINames(), cat.Objects())
	if err != nil {
		t.Fatal(err)
	}
	p := map[string][]string{}
	for _, o := range proj.Objects() {
		p[o] = proj.Fields(o)
	}
	return p
}

// allFields projects every canonical field of every object.
func allFields() map[string][]string {
	cat := schemas.Default()
	p := map[string][]string{}
	for _, o := range cat.Objects() {
		obj, _ := cat.Object(o)
		for _, f := range obj.Fields {
			p[o] = append(p[o], f.Name)
		}
	}
	return p
}

// fixture is an org served by a fake and a source pulling it.
type fixture struct {
	ds   *salesforcetest.Dataset
	srv  *salesforcetest.Server
	src  *Source
	logs *bytes.Buffer
}

type setup struct {
	sizes      salesforcetest.Sizes
	server     salesforcetest.Options
	config     func(*Config)
	projection map[string][]string
	noOpen     bool
	// serverMod adjusts the fake's options after the defaults are set.
	serverMod func(*salesforcetest.Options)
	// transport, when set, is the source's base transport.
	transport http.RoundTripper
}

var defaultSizes = salesforcetest.Sizes{Users: 5, Opportunities: 450, Leads: 300, Tasks: 250, Events: 150}

func newFixture(t testing.TB, s setup) *fixture {
	t.Helper()
	if s.sizes == (salesforcetest.Sizes{}) {
		s.sizes = defaultSizes
	}
	ds := salesforcetest.Generate(11, s.sizes)
	s.server.ClientID, s.server.ClientSecret = testClientID, testClientSecret
	if s.server.RefreshToken == "" {
		s.server.RefreshToken = testRefresh
	}
	if s.serverMod != nil {
		s.serverMod(&s.server)
	}
	srv := salesforcetest.NewServer(ds, s.server)
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.LoginURL, cfg.ClientID = srv.URL(), testClientID
	cfg.ClientSecret = config.NewSecret("SF_CLIENT_SECRET", testClientSecret)
	cfg.PageSize = 200
	cfg.RetryWaitMin, cfg.RetryWaitMax, cfg.MaxRetries = time.Millisecond, 10*time.Millisecond, 8
	if s.config != nil {
		s.config(&cfg)
	}
	proj := s.projection
	if proj == nil {
		proj = kpiProjection(t)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "sf", Projection: proj, Logger: log, Transport: s.transport})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if !s.noOpen {
		if err := src.Open(context.Background()); err != nil {
			t.Fatalf("Open: %v", err)
		}
	}
	return &fixture{ds: ds, srv: srv, src: src, logs: &logs}
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
