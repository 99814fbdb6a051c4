package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoBrokerOnTemporaryDirectory runs the demo into SQLite: its
// summary prints the latest 12 rep-days, and its broker kept its data in
// a temporary directory (so not in the heap), which is gone afterwards,
// and not in the demo directory.
func TestDemoBrokerOnTemporaryDirectory(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dir := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	code := run(ctx, []string{"demo", "--deals", "2000", "--dir", dir, "--admin-listen", "off"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("tally demo exit code %d\nstderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "KPIs per rep pseudonym and day (latest 12 rep-days):") {
		t.Errorf("demo summary has no table of 12 rep-days:\n%s", out)
	}
	left, err := filepath.Glob(filepath.Join(tmp, "tally-demo-kafka-*"))
	if err != nil || len(left) > 0 {
		t.Errorf("broker directories left in TMPDIR: %v (%v)", left, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "kafka")); !os.IsNotExist(err) {
		t.Errorf("demo directory has a kafka directory (stat: %v), want the broker's data only in a temporary one", err)
	}
}
