package marketo

import (
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/marketo/marketotest"
	"github.com/tally-dev/tally/pipeline"
)

// FuzzDecodeActivities feeds activities.json and deletedleads.json
// answers to the envelope and item decoders and the activity mapping
// (corpus: testdata/fuzz/FuzzDecodeActivities, from the vendor
// fixtures). Nothing may panic; a page fails as a whole only when its
// result is not a list; every element is an item or counted unreadable;
// every record has an id, a version in years 1–9999, and goes through
// Preflight without panicking.
func FuzzDecodeActivities(f *testing.F) {
	fx := newFixture(f, marketotest.Sizes{Leads: 1, Activities: 1}, serverOptions(), nil)
	p := fx.src.plans["activity"]
	names := map[int]string{1: "Visit Webpage", 6: "Send Email", 37: "Delete Lead"}
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		var env envelope
		if json.Unmarshal(b, &env) != nil {
			return // the client's envelope decoding refuses the page
		}
		items, odd, err := activityItems(&env)
		var list []json.RawMessage
		isList := json.Unmarshal(env.Result, &list) == nil && list != nil
		if isList && err != nil {
			t.Fatalf("activityItems failed a result that is a list: %v", err)
		}
		if err != nil {
			return
		}
		if isList && len(items)+odd != len(list) {
			t.Fatalf("%d items + %d unreadable, want the %d elements of result", len(items), odd, len(list))
		}
		for _, it := range items {
			_ = isDeleteLead(it)
			r, ok := fx.src.activity(p, it, names, start)
			if !ok {
				continue
			}
			if r.ID == "" || r.Version.Year() < 1 || r.Version.Year() > 9999 {
				t.Fatalf("record with id %q and version year %d", r.ID, r.Version.Year())
			}
			_, _ = pipeline.Preflight(&r, 0)
		}
	})
}

// FuzzDecodeExportCSV feeds bulk export files to the row splitter, the
// CSV reader and the lead mapping (corpus: testdata/fuzz/
// FuzzDecodeExportCSV). Nothing may panic or hang; a row that is not
// CSV is skipped alone; every record has a numeric id and a version in
// years 1–9999.
func FuzzDecodeExportCSV(f *testing.F) {
	fx := newFixture(f, marketotest.Sizes{Leads: 1, Activities: 1}, serverOptions(), nil)
	lp := &leadPass{s: fx.src, p: fx.src.plans["lead"]}
	until := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).Unix()
	f.Fuzz(func(t *testing.T, b []byte) {
		cut := rowsEnd(b)
		if cut < 0 || cut > len(b) || (cut > 0 && b[cut-1] != '\n') {
			t.Fatalf("rowsEnd = %d of %d bytes", cut, len(b))
		}
		r := rowReader(b)
		var index map[string]int
		for n := 0; n <= len(b)+1; n++ {
			row, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				continue
			}
			if index == nil {
				index = columnIndex(slices.Clone(row))
				continue
			}
			rec, ok := lp.lead(row, index, until)
			if !ok {
				continue
			}
			if _, err := strconv.ParseInt(rec.ID, 10, 64); err != nil {
				t.Fatalf("record with a non-numeric id %q", rec.ID)
			}
			if y := rec.Version.Year(); y < 1 || y > 9999 {
				t.Fatalf("record with version year %d", y)
			}
			_, _ = pipeline.Preflight(&rec, 0)
		}
		t.Fatal("the reader did not reach the end of the file: it loops")
	})
}
