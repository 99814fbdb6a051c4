package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/csvfile/csvfiletest"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// plantedValue is a personal value in a mapped cell of one row; the row
// is quarantined (amount does not parse) and the value must appear in no
// output of quarantine or reset.
const plantedValue = "jane.planted.doe@example.org"

// csvResetEnv is the CSV case: an export whose time cells are
// "2006-01-02 15:04:05", read by a csv connector configured with the
// wrong time_format.
type csvResetEnv struct {
	*env
	csvPath string
	rows    int
}

func newCSVResetEnv(t *testing.T, warehouseYAML string) *csvResetEnv {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "deals.csv")
	ds := csvfiletest.Generate(9, csvfiletest.Sizes{Owners: 4, Deals: 300})
	if err := ds.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	row := ds.Row(ds.Sizes().Deals, time.Time{})
	row[5] = plantedValue // Amount
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(row)
	cw.Flush()
	if err := csvfiletest.AppendRaw(path, strings.TrimRight(buf.String(), "\n")); err != nil {
		t.Fatal(err)
	}
	var cols strings.Builder
	for h, f := range csvfiletest.Columns() {
		cols.WriteString("\n  " + h + ": " + f)
	}
	opts := "path: " + path + "\nobject: deal\nid_column: Record ID\nupdated_column: Last Modified Date\n" +
		"deleted_column: Deleted\ntime_format: rfc3339\ncolumns:" + cols.String()
	return &csvResetEnv{env: writeConfig(t, "csv", opts, warehouseYAML), csvPath: path, rows: ds.Sizes().Deals + 1}
}

// tally runs one command line in-process and returns its exit code and
// everything it printed (stdout, then stderr).
func (e *csvResetEnv) tally(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, append(args, "--config", e.cfgPath), &out, &errb)
	return code, out.String(), errb.String()
}

func (e *csvResetEnv) fixTimeFormat(t *testing.T) {
	t.Helper()
	data, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	fixed := strings.Replace(string(data), "time_format: rfc3339", "time_format: datetime", 1)
	if err := os.WriteFile(e.cfgPath, []byte(fixed), 0o600); err != nil {
		t.Fatal(err)
	}
}

// deals returns the number of deal facts and checks the rollups.
func (e *csvResetEnv) deals(t *testing.T) int {
	t.Helper()
	a, err := openWarehouseApp(context.Background(), &globals{configPath: e.cfgPath, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var n int
	if err := a.wh.DB().QueryRowContext(context.Background(), "SELECT count(*) FROM deal_facts").Scan(&n); err != nil {
		t.Fatal(err)
	}
	warehousetest.AssertRollupsMatchFacts(t, a.wh, a.cfg.EnabledKPIs(a.cat))
	return n
}

// TestResetReloadsFileAfterTimeFormatFix is issue 9's CSV case end to
// end: a wrong time_format quarantines every row and the cursor moves
// past the file; fixing the configuration alone loads nothing; after
// `tally reset --confirm` one `tally run --once` loads the file. No
// output of quarantine or reset shows the personal value planted in a
// quarantined row.
func TestResetReloadsFileAfterTimeFormatFix(t *testing.T) {
	for _, tc := range []struct {
		name      string
		warehouse func(t *testing.T) string
	}{{"sqlite", sqliteWarehouse}, {"postgres", postgresWarehouse}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCSVResetEnv(t, tc.warehouse(t))
			var shown []string // every output of quarantine and reset
			show := func(args ...string) (int, string) {
				code, out, errs := e.tally(t, args...)
				shown = append(shown, out, errs)
				return code, out
			}

			// The exit code of this pass is issue 9 item 7's to decide
			// (quarantine.max_share); only the outcome is checked here.
			e.tally(t, "run", "--once")
			if n := e.deals(t); n != 0 {
				t.Fatalf("with the wrong time_format %d deals loaded, want 0", n)
			}
			code, statsText := show("quarantine", "stats", "--tenant", "acme")
			if code != exitOK {
				t.Fatalf("quarantine stats exited %d", code)
			}
			t.Logf("tally quarantine stats before the reset:\n%s", statsText)
			code, statsJSON := show("quarantine", "stats", "--tenant", "acme", "--json")
			var stats struct {
				Version int
				Total   int
				Groups  []struct{ Connector, Stage, Field, Rule string }
			}
			if err := json.Unmarshal([]byte(statsJSON), &stats); err != nil || code != exitOK {
				t.Fatalf("quarantine stats --json = %d, %v:\n%s", code, err, statsJSON)
			}
			if stats.Version != opsVersion || stats.Total != e.rows || len(stats.Groups) == 0 {
				t.Fatalf("quarantine stats = %+v, want version %d and all %d rows", stats, opsVersion, e.rows)
			}
			for _, g := range stats.Groups {
				if g.Connector != "csv" || g.Field == "" || g.Rule == "" || !strings.Contains(statsText, g.Rule) {
					t.Errorf("group %+v: want the csv connector, a field and a rule shown in the text output", g)
				}
			}
			if code, out := show("quarantine", "list", "--tenant", "acme", "--json", "--limit", "5"); code != exitOK ||
				!strings.Contains(out, `"truncated": true`) || !strings.Contains(out, `"topic": "tally.acme.csv.deal"`) {
				t.Errorf("quarantine list --json = %d:\n%s", code, out)
			}
			show("quarantine", "list", "--tenant", "acme")

			// Fixing the configuration alone loads nothing: the cursor
			// is past the file.
			e.fixTimeFormat(t)
			e.tally(t, "run", "--once")
			if n := e.deals(t); n != 0 {
				t.Fatalf("after the fix without a reset %d deals loaded, want 0 (the cursor is past the file)", n)
			}

			code, dry := show("reset", "--tenant", "acme", "--connector", "csv")
			if code != exitOK || !strings.Contains(dry, "dry run, nothing changed") || !strings.Contains(dry, "deal") {
				t.Fatalf("reset dry run = %d:\n%s", code, dry)
			}
			code, dryJSON := show("reset", "--tenant", "acme", "--connector", "csv", "--json")
			if code != exitOK || !strings.Contains(dryJSON, `"dry_run": true`) || !strings.Contains(dryJSON, `"version": 1`) {
				t.Fatalf("reset --json dry run = %d:\n%s", code, dryJSON)
			}
			code, done := show("reset", "--tenant", "acme", "--connector", "csv", "--confirm", "--by", "test")
			if code != exitOK || !strings.Contains(done, "reset 1: cleared") {
				t.Fatalf("reset --confirm = %d:\n%s", code, done)
			}

			if code, _, errs := e.tally(t, "run", "--once"); code != exitOK {
				t.Fatalf("run --once after the reset exited %d:\n%s", code, tail(errs, 3000))
			}
			if n := e.deals(t); n != e.rows-1 {
				t.Errorf("after the reset %d deals loaded, want %d (all but the planted row)", n, e.rows-1)
			}
			code, after := show("quarantine", "stats", "--tenant", "acme", "--json")
			if code != exitOK || !strings.Contains(after, `"field": "amount"`) {
				t.Errorf("quarantine stats after the reset = %d, want the planted row quarantined on amount:\n%s", code, after)
			}
			show("quarantine", "list", "--json")
			show("reset", "--tenant", "acme", "--connector", "csv", "--confirm", "--json")

			// The value really was in a quarantined row, and the warehouse
			// keeps it nowhere.
			if raw, err := os.ReadFile(e.csvPath); err != nil || !bytes.Contains(raw, []byte(plantedValue)) {
				t.Fatal("the planted value is not in the export: the privacy check would prove nothing")
			}
			a, err := openWarehouseApp(context.Background(), &globals{configPath: e.cfgPath, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
			if err != nil {
				t.Fatal(err)
			}
			all, err := warehousetest.AllText(context.Background(), a.wh.DB())
			a.Close()
			if err != nil || strings.Contains(all, plantedValue) {
				t.Errorf("the warehouse holds the planted value (or could not be dumped: %v)", err)
			}
			for i, out := range shown {
				if strings.Contains(out, plantedValue) {
					t.Errorf("output %d of quarantine/reset shows the planted personal value:\n%s", i, tail(out, 2000))
				}
			}
		})
	}
}

// TestResetRefusesWhileRunHoldsTheWriterLock: a confirmed reset exits 1
// and changes nothing while a tally run process holds the writer lock
// (stop, reset, start); the dry run still works.
func TestResetRefusesWhileRunHoldsTheWriterLock(t *testing.T) {
	e := newCSVResetEnv(t, sqliteWarehouse(t))
	if code, _, errs := e.tally(t, "run", "--once"); code == exitConfig {
		t.Fatalf("run --once = %d:\n%s", code, tail(errs, 2000))
	}
	a, err := openWarehouseApp(context.Background(), &globals{configPath: e.cfgPath, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	release, err := a.wh.HoldWriterLock(context.Background()) // as tally run does
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := e.tally(t, "reset", "--tenant", "acme", "--connector", "csv", "--confirm")
	if code != exitFailed || !strings.Contains(errs, "stop it, reset, then start it again") {
		t.Errorf("reset --confirm under a running tally run = %d, %q, %q; want exit 1 naming the order", code, out, errs)
	}
	if code, out, _ := e.tally(t, "reset", "--tenant", "acme", "--connector", "csv"); code != exitOK || !strings.Contains(out, "dry run") {
		t.Errorf("reset dry run under a running tally run = %d, %q; want the plan", code, out)
	}
	release()
	if code, out, errs := e.tally(t, "reset", "--tenant", "acme", "--connector", "csv", "--confirm"); code != exitOK || !strings.Contains(out, "reset 1: cleared") {
		t.Errorf("reset --confirm after tally run stopped = %d, %q, %q", code, out, errs)
	}
}
