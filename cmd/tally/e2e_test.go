package main

import (
	"context"
	"fmt"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

const testToken = "pat-test-0f3c9a1e"

// e2eYAML is the configuration of the end-to-end tests: the same file
// format and wiring as `tally run`, pointed at a fake CRM.
const e2eYAML = `data_dir: %q
tenants:
  - id: acme
    connectors:
      - kind: %s
        options:
%s
warehouse:
%s
pseudonyms:
  master_key_file: %q
log:
  level: debug
  format: json
`

// env is a fake HubSpot and a configuration file pointing at it.
type env struct {
	dir     string
	ds      *hubspottest.Dataset
	srv     *hubspottest.Server
	cfgPath string
}

// newEnv starts a fake HubSpot over ds and writes a configuration for
// it; warehouse is the YAML body of the warehouse section.
func newEnv(t *testing.T, ds *hubspottest.Dataset, warehouse string) *env {
	t.Helper()
	srv := hubspottest.NewServer(ds, hubspottest.Options{Token: testToken})
	t.Cleanup(srv.Close)
	t.Setenv("TALLY_TEST_HUBSPOT_TOKEN", testToken)
	opts := fmt.Sprintf("base_url: %q\ntoken: ${TALLY_TEST_HUBSPOT_TOKEN}\nsearch_lag: 0s", srv.URL())
	e := writeConfig(t, "hubspot", opts, warehouse)
	e.ds, e.srv = ds, srv
	return e
}

// writeConfig writes a configuration with one connector of kind whose
// options are the given YAML, and a master key file.
func writeConfig(t testing.TB, kind, options, warehouse string) *env {
	t.Helper()
	dir := t.TempDir()
	key := filepath.Join(dir, "master.key")
	if err := os.WriteFile(key, []byte(strings.Repeat("test-master-key-", 4)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tally.yaml")
	yml := fmt.Sprintf(e2eYAML, filepath.Join(dir, "data"), kind, indent(options, 10), warehouse, key)
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{dir: dir, cfgPath: cfg}
}

func sqliteWarehouse(t *testing.T) string {
	return fmt.Sprintf("  driver: sqlite\n  path: %q", filepath.Join(t.TempDir(), "tally.db"))
}

func postgresWarehouse(t *testing.T) string {
	t.Setenv("TALLY_TEST_PG_DSN", warehousetest.PostgresDSN(t))
	return "  driver: postgres\n  dsn: ${TALLY_TEST_PG_DSN}"
}

// runOnce wires the configuration in-process, runs one pass and returns
// the app (closed at cleanup) and everything it logged at debug level,
// SQL statements included.
func (e *env) runOnce(t *testing.T, opts appOptions) (*app, *pipelinetest.LogBuffer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	reg := newRegistry()
	cfg, err := loadConfig(e.cfgPath, reg, schemasDefault())
	if err != nil {
		t.Fatalf("loading config: %v", err)
	}
	logs := &pipelinetest.LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := newApp(ctx, cfg, reg, logger, opts)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.runner.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce: %v\nlogs:\n%s", err, tail(logs.String(), 3000))
	}
	return a, logs
}

// dump returns the canonical dump of the warehouse's data tables: facts,
// KPI rollups and quarantine, minus the tables named in skip. The
// commit-point tables (offsets, cursors) are always left out: a replay
// legitimately moves them forward.
func dump(t *testing.T, a *app, skip ...string) string {
	t.Helper()
	return dumpDB(t, a.wh, skip...)
}

func dumpDB(t *testing.T, w *warehouse.Warehouse, skip ...string) string {
	t.Helper()
	d, err := warehousetest.Dump(context.Background(), w.DB())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	keep := true
	for _, line := range strings.SplitAfter(d, "\n") {
		if strings.HasPrefix(line, "== ") {
			table := strings.Fields(line)[1]
			// identity_vault and subject_keys hold AES-GCM ciphertext with
			// random nonces and keys: equal content, different bytes.
			// sync_runs is the history of passes, which differs by design;
			// leases name the processes that held them.
			keep = !slices.Contains(append(skip, "consumer_offsets", "sync_cursors", "schema_migrations", "leases", "lease_holders",
				"identity_vault", "subject_keys", "sync_runs"), table)
		}
		if keep {
			b.WriteString(line)
		}
	}
	return b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
