package csvfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/csvfile/csvfiletest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestWrongTimeFormatEmitsEveryRow reads a datetime export as rfc3339:
// no time parses, yet every row is emitted, so that each is quarantined
// (visibly, by the runner's summary) instead of vanishing.
func TestWrongTimeFormatEmitsEveryRow(t *testing.T) {
	f := newFixture(t, 120, func(c *Config) { c.TimeFormat = "rfc3339" })
	recs := f.sync(t, "").Records()
	if len(recs) != 120 {
		t.Fatalf("%d records, want 120", len(recs))
	}
	for _, r := range recs {
		var fe *pipeline.FieldError
		if err := pipelinetest.Screen(r); !errors.As(err, &fe) {
			t.Fatalf("record %s: Screen = %v, want a FieldError", r.ID, err)
		}
	}
	// Without an updated column the version is the file's time and the
	// time fields are rejected with rule type.
	f = newFixture(t, 10, func(c *Config) { c.TimeFormat = "rfc3339"; c.UpdatedColumn = "" })
	for _, r := range f.sync(t, "").Records() {
		if err := pipelinetest.Screen(r); err == nil || !strings.HasSuffix(err.Error(), "rule type") {
			t.Errorf("record %s: Screen = %v, want rule type", r.ID, err)
		}
	}
}

// TestDeletedColumnTrustsTheRow: a row is a delete only when its own
// deleted cell says true; an unreadable cell is quarantined, never a
// delete.
func TestDeletedColumnTrustsTheRow(t *testing.T) {
	f := newFixture(t, 5, nil)
	at := time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC).Format(csvfiletest.TimeFormat)
	rows := []struct{ cell, want string }{
		{"true", "delete"}, {"false", "upsert"}, {"maybe", "quarantined upsert"}, {"", "upsert"},
	}
	var lines []string
	for i, tc := range rows {
		row := f.ds.Row(i, time.Time{})
		row[9], row[14] = at, tc.cell
		lines = append(lines, strings.Join(quoteAll(row), ","))
	}
	if err := csvfiletest.AppendRaw(f.path, lines...); err != nil {
		t.Fatal(err)
	}
	recs := f.sync(t, "").Records()[5:]
	if len(recs) != len(rows) {
		t.Fatalf("%d records for %d appended rows", len(recs), len(rows))
	}
	for i, tc := range rows {
		r := recs[i]
		got := "upsert"
		switch {
		case r.Op == pipeline.OpDelete:
			got = "delete"
		case pipelinetest.Screen(r) != nil:
			got = "quarantined upsert"
		}
		if got != tc.want {
			t.Errorf("deleted cell %q: %s, want %s", tc.cell, got, tc.want)
		}
	}
}

// TestCheckFields reports a mapped column missing from one file's header
// as not verified, naming how many files lack it.
func TestCheckFields(t *testing.T) {
	dir := t.TempDir()
	ds := csvfiletest.Generate(3, csvfiletest.Sizes{Owners: 2, Deals: 3})
	if err := ds.WriteFile(filepath.Join(dir, "a.csv")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "a.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.csv"), []byte(strings.Replace(string(b), "Currency", "Curr.", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, 1, func(c *Config) { c.Path = dir })
	got, err := f.src.CheckFields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, st := range got {
		seen[st.Field] = true
		switch st.Field {
		case "currency":
			if st.Verified || st.Property != "Currency" || st.Reason != "column not in the header of 1 of 2 files" {
				t.Errorf("currency = %+v, want unverified Currency in 1 of 2 files", st)
			}
		default:
			if !st.Verified {
				t.Errorf("%s (%s) not verified: %s", st.Field, st.Property, st.Reason)
			}
		}
	}
	for _, k := range []string{"id", "amount", "close_date", "is_won"} {
		if !seen[k] {
			t.Errorf("no status for %s", k)
		}
	}
}

// TestMissingColumnIsWarnedOncePerPass: a mapped column absent from one
// file's header is warned about once per pass, with the KPIs it feeds.
func TestMissingColumnIsWarnedOncePerPass(t *testing.T) {
	f := newFixture(t, 20, nil)
	b, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.path, []byte(strings.Replace(string(b), "Is Won", "Won?", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sync(t, "").Records()); n != 20 {
		t.Fatalf("%d records, want 20", n)
	}
	logs := f.logs.String()
	if n := strings.Count(logs, "mapped column not in the header"); n != 1 {
		t.Fatalf("%d warnings about missing columns, want 1:\n%s", n, logs)
	}
	for _, want := range []string{`column="Is Won"`, "field=is_won", `kpis="[deals_won revenue_won]"`, "count=1"} {
		if !strings.Contains(logs, want) {
			t.Errorf("warning lacks %s:\n%s", want, logs)
		}
	}
}
