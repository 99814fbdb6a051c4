package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// purgeConfig writes a tally.yaml on a fresh PostgreSQL schema and
// returns its path.
func purgeConfig(t *testing.T, extra string) (path, dsn string) {
	t.Helper()
	dsn = warehousetest.PostgresDSN(t)
	t.Setenv("TALLY_TEST_PURGE_DSN", dsn)
	t.Setenv("HUBSPOT_TOKEN", "pat-test")
	t.Setenv("TALLY_MASTER_KEY", "0123456789abcdef0123456789abcdef")
	dir := t.TempDir()
	path = filepath.Join(dir, "tally.yaml")
	yml := `data_dir: ` + dir + `
tenants:
  - id: acme
    connectors:
      - kind: hubspot
        options:
          token: ${HUBSPOT_TOKEN}
pseudonyms:
  master_key: ${TALLY_MASTER_KEY}
warehouse:
  driver: postgres
  dsn: ${TALLY_TEST_PURGE_DSN}
` + extra
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, dsn
}

func TestPurgeExitsThreeWhileAnotherPurgeRuns(t *testing.T) {
	path, dsn := purgeConfig(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"migrate", "--config", path}, &out, &errb); code != exitOK {
		t.Fatalf("tally migrate exited %d: %s", code, errb.String())
	}
	// Another purge: a second process holding the purge lock.
	other, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemasDefault(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1, hashtext(current_schema()))", 0x70757267); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run(ctx, []string{"purge", "--config", path}, &out, &errb); code != exitLocked {
		t.Errorf("tally purge while locked exited %d, want %d; stderr: %s", code, exitLocked, errb.String())
	}
	if !strings.Contains(errb.String(), "another purge is running") {
		t.Errorf("stderr = %q, want it to say another purge is running", errb.String())
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1, hashtext(current_schema()))", 0x70757267); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run(ctx, []string{"purge", "--config", path}, &out, &errb); code != exitOK {
		t.Errorf("tally purge after the lock was released exited %d, want 0; stderr: %s", code, errb.String())
	}
}

func TestSchedulerRunsPurgeAndStopsOnShutdown(t *testing.T) {
	path, _ := purgeConfig(t, "purge:\n  schedule: \"@every 1s\"\n")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a := &app{cfg: cfg, cat: schemasDefault(), logger: discardLogger()}
	defer a.Close()
	if err := a.openWarehouse(ctx, cfg, nil); err != nil {
		t.Fatal(err)
	}
	s, err := startPurgeScheduler(ctx, cfg, a.wh, discardLogger())
	if err != nil || s == nil {
		t.Fatalf("startPurgeScheduler() = %v, %v", s, err)
	}
	var runs []warehouse.PurgeRun
	for ctx.Err() == nil && len(runs) == 0 {
		time.Sleep(200 * time.Millisecond)
		runs, err = a.wh.PurgeHistory(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
	}
	s.Stop()
	if len(runs) == 0 {
		t.Fatal("the scheduler recorded no purge run")
	}
	after, _ := a.wh.PurgeHistory(ctx, 100)
	for _, r := range after {
		if r.Status == warehouse.StatusRunning {
			t.Errorf("run %d is still running after Stop, want it finished or interrupted", r.ID)
		}
	}
}

func TestCheckSchedules(t *testing.T) {
	for _, tc := range []struct {
		schedule, tz string
		ok           bool
	}{
		{"@daily", "UTC", true},
		{"@every 6h", "UTC", true},
		{"17 3 * * *", "Europe/Berlin", true},
		{"off", "UTC", true},
		{"17 3 * *", "UTC", false},
		{"@sometimes", "UTC", false},
	} {
		cfg := &config.File{Purge: config.Purge{Schedule: tc.schedule, Timezone: tc.tz}}
		if got := checkSchedules(cfg) == nil; got != tc.ok {
			t.Errorf("checkSchedules(%q, %q) ok = %v, want %v", tc.schedule, tc.tz, got, tc.ok)
		}
	}
}
