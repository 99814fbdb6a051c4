package csvfile

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tally-dev/tally/connectors/csvfile/csvfiletest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
)

var errStop = pipeline.ErrTransient

// stopAfter is a Collector hook failing the page after the n-th with
// errStop.
func stopAfter(n int) func(int) error {
	return func(kept int) error {
		if kept == n {
			return errStop
		}
		return nil
	}
}

// dealProjection is the deal projection of every KPI.
func dealProjection(t testing.TB) map[string][]string {
	cat := schemas.Default()
	proj, err := cat.Project(cat.KPINames(), []string{"deal"})
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]string{"deal": proj.Fields("deal")}
}

// testConfig configures a source over the csvfiletest export at path.
func testConfig(path string) Config {
	cfg := DefaultConfig()
	cfg.Path, cfg.Object, cfg.Columns = path, "deal", csvfiletest.Columns()
	cfg.IDColumn, cfg.UpdatedColumn, cfg.DeletedColumn = "Record ID", "Last Modified Date", "Deleted"
	cfg.TimeFormat, cfg.PageSize = "datetime", 100
	return cfg
}

// fixture is an export file and a source reading it.
type fixture struct {
	ds   *csvfiletest.Dataset
	path string
	src  *Source
	logs *bytes.Buffer
}

func newFixture(t testing.TB, deals int, mod func(*Config)) *fixture {
	t.Helper()
	ds := csvfiletest.Generate(3, csvfiletest.Sizes{Owners: 4, Deals: deals})
	path := filepath.Join(t.TempDir(), "deals-2026-06-01.csv")
	if err := ds.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(path)
	if mod != nil {
		mod(&cfg)
	}
	var logs bytes.Buffer
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "csv", Projection: dealProjection(t),
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := src.Open(context.Background()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	return &fixture{ds: ds, path: path, src: src, logs: &logs}
}

func (f *fixture) sync(t testing.TB, cursor string) *pipelinetest.Collector {
	t.Helper()
	c := &pipelinetest.Collector{}
	if err := f.src.Sync(context.Background(), f.src.cfg.Object, cursor, c); err != nil {
		t.Fatalf("Sync = %v", err)
	}
	return c
}
