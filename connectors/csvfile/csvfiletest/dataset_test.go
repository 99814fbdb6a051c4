package csvfiletest

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriteFileAndAppends(t *testing.T) {
	ds := Generate(5, Sizes{Owners: 3, Deals: 50})
	path := filepath.Join(t.TempDir(), "deals.csv")
	if err := ds.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if err := ds.AppendChange(path, 4, Epoch); err != nil {
		t.Fatal(err)
	}
	if err := ds.AppendDelete(path, 5, Epoch); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("the export is not valid CSV: %v", err)
	}
	if len(rows) != 53 {
		t.Fatalf("export has %d rows, want header, 50 rows and 2 appended", len(rows))
	}
	if diff := cmp.Diff(Header, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Generate(5, Sizes{Owners: 3, Deals: 50}).Row(7, time.Time{}), rows[8]); diff != "" {
		t.Errorf("row 7 is not deterministic (-want +got):\n%s", diff)
	}
	if rows[51][9] != Epoch.Format(TimeFormat) || rows[52][14] != "true" || rows[52][0] != ds.ID(5) {
		t.Errorf("appended rows %v and %v, want a change at Epoch and a delete of %s", rows[51], rows[52], ds.ID(5))
	}
	pv := ds.PersonalValues()
	if !slices.Contains(pv, rows[1][1]) || !slices.Contains(pv, rows[1][12]) || !slices.Contains(pv, rows[1][13]) {
		t.Errorf("PersonalValues lacks row 0's name, email or phone")
	}
	if got := ds.SourcePersonalValues()["deal"]; got != 150 {
		t.Errorf("SourcePersonalValues deal = %d, want 150", got)
	}
	for header := range Columns() {
		if !slices.Contains(Header, header) {
			t.Errorf("Columns maps %q, which the header lacks", header)
		}
	}
}
