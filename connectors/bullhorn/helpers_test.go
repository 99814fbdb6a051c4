package bullhorn

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

const (
	testClientID     = "tally-test-client"
	testClientSecret = "cs-7f3e2a91-5b6c-4d8e-9f01-23456789abcd"
	testRefresh      = "rt-0b7a1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d"
)

func serverOptions() bullhorntest.Options {
	return bullhorntest.Options{ClientID: testClientID, ClientSecret: testClientSecret, RefreshToken: testRefresh}
}

func testConfig(base string) Config {
	cfg := DefaultConfig()
	cfg.AuthURL, cfg.LoginURL = base, base
	cfg.ClientID = testClientID
	cfg.ClientSecret = config.NewSecret("BULLHORN_CLIENT_SECRET", testClientSecret)
	cfg.RefreshToken = config.NewSecret("BULLHORN_REFRESH_TOKEN", testRefresh)
	cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, 20*time.Millisecond
	return cfg
}

// allFields projects every canonical field of placement and user.
func allFields() map[string][]string {
	cat := schemas.Default()
	p := map[string][]string{}
	for _, o := range []string{"placement", "user"} {
		obj, _ := cat.Object(o)
		for _, f := range obj.Fields {
			p[o] = append(p[o], f.Name)
		}
	}
	return p
}

type fixture struct {
	ds   *bullhorntest.Dataset
	srv  *bullhorntest.Server
	src  *Source
	logs *bytes.Buffer
}

func newFixture(t testing.TB, sizes bullhorntest.Sizes, opts bullhorntest.Options, mod func(*Config)) *fixture {
	t.Helper()
	ds := bullhorntest.Generate(11, sizes)
	srv := bullhorntest.NewServer(ds, opts)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL())
	cfg.Currency = "USD"
	if mod != nil {
		mod(&cfg)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "bh", Projection: allFields(), Logger: log})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fixture{ds: ds, srv: srv, src: src, logs: &logs}
}

func (f *fixture) sync(t testing.TB, object, cursor string) *pipelinetest.Collector {
	t.Helper()
	c := &pipelinetest.Collector{}
	if err := f.src.Sync(context.Background(), object, cursor, c); err != nil {
		t.Fatalf("Sync(%s) = %v", object, err)
	}
	return c
}
