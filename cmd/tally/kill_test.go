package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestKillNineMidSyncThenRestart kills `tally run --once` with SIGKILL
// in the middle of a 50,000-deal sync into PostgreSQL, restarts it, and
// compares the warehouse with an uninterrupted run's: facts and KPI
// rollups must be identical.
func TestKillNineMidSyncThenRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and syncs 100,000 deals")
	}
	const deals = 50000
	refDSN, killDSN := warehousetest.PostgresDSN(t), warehousetest.PostgresDSN(t)
	bin := buildTally(t)
	ds := hubspottest.Generate(21, hubspottest.Sizes{Owners: 20, Deals: deals, Contacts: 2000})
	srv := hubspottest.NewServer(ds, hubspottest.Options{Token: testToken})
	defer srv.Close()

	refCfg := writeBinaryConfig(t, srv.URL())
	if out, err := tallyCmd(bin, refCfg, refDSN).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, tail(string(out), 3000))
	}

	killCfg := writeBinaryConfig(t, srv.URL())
	w := openWarehouse(t, killDSN)
	var stderr bytes.Buffer
	cmd := tallyCmd(bin, killCfg, killDSN)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	atKill := waitForDeals(t, w, deals/5, cmd)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the run was not killed mid-sync (it ended with %v); the test proves nothing\n%s", err, tail(stderr.String(), 2000))
	}
	if atKill >= deals {
		t.Fatalf("%d deals were already loaded at the kill", atKill)
	}
	t.Logf("killed with %d of %d deals loaded", atKill, deals)

	if out, err := tallyCmd(bin, killCfg, killDSN).CombinedOutput(); err != nil {
		t.Fatalf("restarted run: %v\n%s", err, tail(string(out), 3000))
	}
	ref := openWarehouse(t, refDSN)
	want, got := dumpDB(t, ref, "quarantine"), dumpDB(t, w, "quarantine")
	if got != want {
		t.Fatalf("warehouse after kill -9 and restart differs from an uninterrupted run:\n%s", diffLines(want, got))
	}
	if !strings.Contains(want, fmt.Sprintf("== deal_facts (%d rows)", deals)) {
		t.Fatalf("reference run did not load %d deals:\n%.300s", deals, want)
	}
}

func buildTally(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tally")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeBinaryConfig writes a configuration for a child tally process
// with a persisted embedded broker and a PostgreSQL warehouse.
func writeBinaryConfig(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	key := filepath.Join(dir, "master.key")
	if err := os.WriteFile(key, []byte(strings.Repeat("test-master-key-", 4)), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := fmt.Sprintf("base_url: %q\ntoken: ${TALLY_TEST_HUBSPOT_TOKEN}\nsearch_lag: 0s", url)
	yml := fmt.Sprintf(e2eYAML, filepath.Join(dir, "data"), "hubspot", indent(opts, 10), "  driver: postgres\n  dsn: ${TALLY_TEST_PG_DSN}", key)
	yml = strings.Replace(yml, "level: debug", "level: info", 1)
	cfg := filepath.Join(dir, "tally.yaml")
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func tallyCmd(bin, cfg, dsn string) *exec.Cmd {
	cmd := exec.Command(bin, "run", "--once", "--config", cfg)
	cmd.Env = append(os.Environ(), "TALLY_TEST_PG_DSN="+dsn, "TALLY_TEST_HUBSPOT_TOKEN="+testToken)
	return cmd
}

func openWarehouse(t *testing.T, dsn string) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(context.Background(), warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemasDefault(), discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// waitForDeals polls the warehouse until at least n deal facts are
// committed and returns the count.
func waitForDeals(t *testing.T, w *warehouse.Warehouse, n int64, cmd *exec.Cmd) int64 {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		counts, err := w.Counts(context.Background())
		if err == nil && counts["deal_facts"] >= n {
			return counts["deal_facts"]
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("fewer than %d deals loaded after 3 minutes", n)
	return 0
}
