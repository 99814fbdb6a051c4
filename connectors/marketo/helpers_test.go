package marketo

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/marketo/marketotest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

const (
	testClientID     = "8f2c1a77-3b4d-4e5f-9a0b-1c2d3e4f5a6b"
	testClientSecret = "mkto-cs-Xq7RkP2vLm9TzW4nBc6HdJ8s"
)

// startDate is the first day of generated data, where test passes begin.
var startDate = marketotest.Epoch.Add(-marketotest.Span - 24*time.Hour).Format(time.DateOnly)

func serverOptions() marketotest.Options {
	return marketotest.Options{ClientID: testClientID, ClientSecret: testClientSecret, StatusInterval: time.Millisecond}
}

func testConfig(base string) Config {
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.ClientID = base, testClientID
	cfg.ClientSecret = config.NewSecret("MARKETO_CLIENT_SECRET", testClientSecret)
	cfg.StartDate, cfg.MQLField = startDate, "mqlDate"
	cfg.PollInterval, cfg.RateLimitWait, cfg.QueueWait = time.Millisecond, 5*time.Millisecond, 5*time.Millisecond
	cfg.Overlap = time.Second
	cfg.RateWindow = 20 * time.Millisecond // 100 calls per 20ms: no slower tests
	cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, 20*time.Millisecond
	return cfg
}

// leadProjection and activityProjection are every field the connector
// can provide, plus fields it must never request.
var projection = map[string][]string{
	"lead":     {"id", "owner_id", "email", "first_name", "last_name", "phone", "company", "lifecycle_stage", "lead_source", "created_at", "mql_at"},
	"activity": {"id", "owner_id", "type", "subject", "body", "contact_id", "occurred_at"},
}

// fixture is a dataset served by a fake and a source pulling it.
type fixture struct {
	ds   *marketotest.Dataset
	srv  *marketotest.Server
	src  *Source
	logs *bytes.Buffer
}

func newFixture(t testing.TB, sizes marketotest.Sizes, opts marketotest.Options, mod func(*Config)) *fixture {
	t.Helper()
	ds := marketotest.Generate(11, sizes)
	srv := marketotest.NewServer(ds, opts)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL())
	if mod != nil {
		mod(&cfg)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "mkto", Projection: projection, Logger: log})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := src.Open(context.Background()); err != nil && opts.ClientSecret == testClientSecret {
		t.Fatalf("Open: %v", err)
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

// requests counts the requests the fake saw whose path ends with suffix.
func (f *fixture) requests(method, suffix string) int {
	n := 0
	for _, r := range f.srv.Requests() {
		if r.Method == method && len(r.Path) >= len(suffix) && r.Path[len(r.Path)-len(suffix):] == suffix {
			n++
		}
	}
	return n
}
