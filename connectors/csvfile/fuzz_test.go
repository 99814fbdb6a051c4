package csvfile

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/csvfile/csvfiletest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// FuzzReadRows reads arbitrary bytes after the export's header row as a
// file. The pass either fails as a whole with an error or emits one
// record per CSV record of the body (a record that is not CSV is a
// record without an id); nothing panics or hangs, and every record can
// be screened. The seed corpus in testdata/fuzz/FuzzReadRows holds
// csvfiletest export rows and hostile rows (the vendor samples in
// /work/shared/fixtures hold no CSV).
func FuzzReadRows(f *testing.F) {
	f.Add([]byte("30000001,Deal,7001,qualified,default,1250.00,USD,2026-05-01 10:00:00,2026-04-01 10:00:00,2026-05-02 10:00:00,false,false,a@example.org,+1,false\n"))
	var header bytes.Buffer
	w := csv.NewWriter(&header)
	w.Write(csvfiletest.Header)
	w.Flush()
	f.Fuzz(func(t *testing.T, body []byte) {
		path := filepath.Join(t.TempDir(), "deals.csv")
		if err := os.WriteFile(path, append(bytes.Clone(header.Bytes()), body...), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(path)
		cfg.PageSize = 3
		src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "csv", Projection: dealProjection(t), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		c := &pipelinetest.Collector{}
		if err := src.Sync(context.Background(), "deal", "", c); err != nil {
			return
		}
		recs := c.Records()
		if want := csvRecords(t, body); len(recs) != want {
			t.Fatalf("%d records from a body of %d CSV records", len(recs), want)
		}
		for _, r := range recs {
			_ = pipelinetest.Screen(r)
		}
	})
}

// csvRecords counts the records encoding/csv reads from body, malformed
// ones included.
func csvRecords(t *testing.T, body []byte) int {
	r := csv.NewReader(strings.NewReader(string(body)))
	r.FieldsPerRecord = -1
	n := 0
	for {
		_, err := r.Read()
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			return n
		case err == nil, errors.As(err, &pe):
			n++
		default:
			t.Fatalf("reading the body: %v", err)
		}
	}
}
