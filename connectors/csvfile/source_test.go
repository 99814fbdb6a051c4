package csvfile

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/connectors/csvfile/csvfiletest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/validate"
)

func TestRecordMapping(t *testing.T) {
	f := newFixture(t, 5, nil)
	recs := f.sync(t, "").Records()
	if len(recs) != 5 {
		t.Fatalf("pass emitted %d records, want 5", len(recs))
	}
	row := f.ds.Row(0, time.Time{})
	at := func(s string) time.Time { v, _ := time.Parse(csvfiletest.TimeFormat, s); return v }
	want := pipeline.Record{Tenant: "acme", Source: "csv", Object: "deal", ID: row[0], Op: pipeline.OpUpsert,
		Version: at(row[9]), Fields: map[string]any{
			"owner_id": row[2], "amount": json.Number(row[5]), "currency": row[6], "close_date": at(row[7]),
			"created_at": at(row[8]), "is_won": row[10] == "true",
		}}
	if diff := cmp.Diff(want, recs[0]); diff != "" {
		t.Errorf("first record (-want +got):\n%s", diff)
	}
}

func TestKilledRunResumesMidFile(t *testing.T) {
	f := newFixture(t, 450, nil)
	c := &pipelinetest.Collector{Hook: stopAfter(2)}
	if err := f.src.Sync(context.Background(), "deal", "", c); !errors.Is(err, errStop) {
		t.Fatalf("Sync with a failing emitter = %v, want %v", err, errStop)
	}
	rest := f.sync(t, c.Last())
	got := append(c.Records(), rest.Records()...)
	if n := len(pipelinetest.IDs(got, pipeline.OpUpsert)); n != 450 || len(got) != 450 {
		t.Errorf("killed run and resume emitted %d records (%d distinct), want 450 once each", len(got), n)
	}
}

func TestReplacedFileIsReadFromStart(t *testing.T) {
	f := newFixture(t, 120, nil)
	done := f.sync(t, "").Last()
	if n := len(f.sync(t, done).Records()); n != 0 {
		t.Fatalf("pass over an unchanged file emitted %d records, want 0", n)
	}
	other := csvfiletest.Generate(99, csvfiletest.Sizes{Owners: 4, Deals: 130})
	if err := other.WriteFile(f.path); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sync(t, done).Records()); n != 130 {
		t.Errorf("pass over a replaced file emitted %d records, want all 130", n)
	}
	if !strings.Contains(f.logs.String(), "reading it from its start") {
		t.Errorf("the replaced file was not logged")
	}
}

func TestMalformedRowsQuarantinedWithLine(t *testing.T) {
	f := newFixture(t, 10, nil)
	secret := "zara.secret@example.net"
	ok := f.ds.Row(3, csvfiletest.Epoch)
	ok[0] = "30000777"
	if err := csvfiletest.AppendRaw(f.path,
		`30000900,x"`+secret+`",7000,closedwon`, // a bare quote: not CSV
		`30000901,`+secret+`,7000`,              // too few fields
		strings.Join(quoteAll(ok), ","),
	); err != nil {
		t.Fatal(err)
	}
	recs := f.sync(t, "").Records()
	if len(recs) != 13 {
		t.Fatalf("pass emitted %d records, want 13 (the rows after the bad ones go on)", len(recs))
	}
	v := validate.New(schemas.Default())
	var rejected []string
	for _, r := range recs {
		if err := v.Apply(&r); err != nil {
			rejected = append(rejected, err.Error())
		}
	}
	if diff := cmp.Diff([]string{"field id: rule required", "field id: rule required"}, rejected); diff != "" {
		t.Errorf("validate rejections (-want +got):\n%s", diff)
	}
	if recs[12].ID != "30000777" {
		t.Errorf("the row after the malformed ones has id %q, want 30000777", recs[12].ID)
	}
	logs := f.logs.String()
	for _, want := range []string{"line=12", "line=13"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "zara") {
		t.Errorf("logs quote a malformed row's content")
	}
}

func quoteAll(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
	}
	return out
}

func TestDirectoryInNameOrder(t *testing.T) {
	dir := t.TempDir()
	a, b := csvfiletest.Generate(1, csvfiletest.Sizes{Deals: 30}), csvfiletest.Generate(2, csvfiletest.Sizes{Deals: 40})
	for name, ds := range map[string]*csvfiletest.Dataset{"2026-05.csv": a, "2026-06.CSV": b} {
		if err := ds.WriteFile(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an export"), 0o600)
	cfg := testConfig(dir)
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "csv", Projection: dealProjection(t)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{src: src}
	c := f.sync(t, "")
	if n := len(c.Records()); n != 70 {
		t.Fatalf("pass over two files emitted %d records, want 70", n)
	}
	if got := c.Pages()[0].Records[0].ID; got != a.ID(0) {
		t.Errorf("first record %s, want %s from the first file by name", got, a.ID(0))
	}
	third := csvfiletest.Generate(3, csvfiletest.Sizes{Deals: 5})
	if err := third.WriteFile(filepath.Join(dir, "2026-07.csv")); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sync(t, c.Last()).Records()); n != 5 {
		t.Errorf("pass after a new file emitted %d records, want its 5", n)
	}
}

func TestReadOnlyFile(t *testing.T) {
	f := newFixture(t, 20, nil)
	if err := os.Chmod(f.path, 0o400); err != nil {
		t.Fatal(err)
	}
	if n := len(f.sync(t, "").Records()); n != 20 {
		t.Errorf("pass over a read-only file emitted %d records, want 20", n)
	}
}

func TestHeaderWithoutIDColumn(t *testing.T) {
	f := newFixture(t, 3, func(c *Config) { c.IDColumn = "Deal ID" })
	err := f.src.Sync(context.Background(), "deal", "", &pipelinetest.Collector{})
	if !errors.Is(err, pipeline.ErrConfig) || !strings.Contains(err.Error(), "Deal ID") {
		t.Errorf("Sync = %v, want ErrConfig naming the missing column", err)
	}
}

func TestDelimiterAndFormats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "leads.csv")
	data := "id;source;created;mql;email\n" +
		"L1;WEB;1767225600;;a@example.org\n" +
		"L2;EVENT;1767312000;soon;b@example.org\n"
	os.WriteFile(path, []byte(data), 0o600)
	cfg := DefaultConfig()
	cfg.Path, cfg.Object, cfg.IDColumn, cfg.Delimiter, cfg.TimeFormat = path, "lead", "id", ";", "unix"
	cfg.Columns = map[string]string{"source": "lead_source", "created": "created_at", "mql": "mql_at", "email": "email"}
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "csv",
		Projection: map[string][]string{"lead": {"id", "lead_source", "created_at", "mql_at"}}})
	if err != nil {
		t.Fatal(err)
	}
	recs := (&fixture{src: src}).sync(t, "").Records()
	want := []map[string]any{
		{"lead_source": "WEB", "created_at": time.Unix(1767225600, 0).UTC(), "mql_at": nil},
		{"lead_source": "EVENT", "created_at": time.Unix(1767312000, 0).UTC(), "mql_at": "soon"},
	}
	for i, r := range recs {
		if diff := cmp.Diff(want[i], r.Fields); diff != "" {
			t.Errorf("lead %s fields (-want +got):\n%s", r.ID, diff)
		}
	}
}

// TestNoPersonalValuesLeaveTheReader checks that the emitted records,
// the logs and the errors hold none of the export's personal columns.
func TestNoPersonalValuesLeaveTheReader(t *testing.T) {
	f := newFixture(t, 300, nil)
	if err := csvfiletest.AppendRaw(f.path, `1,"unterminated `+f.ds.PersonalValues()[0]); err != nil {
		t.Fatal(err)
	}
	c := f.sync(t, "")
	err := f.src.Sync(context.Background(), "deal", `{"v":1,"file":"x","offset":-1}`, &pipelinetest.Collector{})
	b, _ := json.Marshal(c.Records())
	out := string(b) + f.logs.String() + err.Error()
	for _, v := range f.ds.PersonalValues() {
		if strings.Contains(out, v) {
			t.Fatalf("records, logs or errors contain a personal value of the export")
		}
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Object = "opportunity"
	cfg.Delimiter = `"`
	cfg.TimeFormat = "dd/mm/yyyy"
	cfg.PageSize = 0
	err := cfg.Validate()
	for _, field := range []string{"path:", "object:", "id_column:", "delimiter:", "time_format:", "page_size:"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate = %v, want a problem with %s", err, field)
		}
	}
	cfg = testConfig("x.csv")
	cfg.Columns = map[string]string{"A": "amount", "B": "amount", "C": "dealname", "D": "id"}
	err = cfg.Validate()
	for _, want := range []string{"columns[B]: field amount is already mapped from A", `columns[C]: "dealname" is not a field of deal`, "columns[D]: id comes from id_column"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate = %v, want %q", err, want)
		}
	}
	if _, err := New(cfg, pipeline.SourceEnv{}); !errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("New with a bad config = %v, want ErrConfig", err)
	}
}

func TestFactoryAndObjects(t *testing.T) {
	f := Factory()
	if f.Kind != "csv" {
		t.Errorf("Kind = %q, want csv", f.Kind)
	}
	cfg := f.NewConfig().(*Config)
	*cfg = testConfig("deals.csv")
	src, err := f.New(cfg, pipeline.SourceEnv{Projection: map[string][]string{"lead": {"id"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Objects(); len(got) != 0 {
		t.Errorf("Objects = %v, want none when the projection lacks deal", got)
	}
	if err := src.Open(context.Background()); !errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("Open on a missing path = %v, want ErrConfig", err)
	}
}

func TestParseCells(t *testing.T) {
	rfc, _ := newTimeParser("rfc3339")
	ms, _ := newTimeParser("unix_ms")
	layout, _ := newTimeParser("02/01/2006")
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"number", parse(schemas.Number, " 1250.50 ", rfc), json.Number("1250.50")},
		{"bad number kept raw", parse(schemas.Number, "1,250", rfc), "1,250"},
		{"empty is nil", parse(schemas.Number, "  ", rfc), nil},
		{"bool yes", parse(schemas.Bool, "Yes", rfc), true},
		{"bad bool kept raw", parse(schemas.Bool, "maybe", rfc), "maybe"},
		{"rfc3339", parse(schemas.TimeT, "2026-01-02T03:04:05+01:00", rfc), time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)},
		{"unix ms", parse(schemas.TimeT, "1767225600000", ms), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"go layout", parse(schemas.TimeT, "02/01/2026", layout), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"string", parse(schemas.String, "EMEA", rfc), "EMEA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("parsed cell (-want +got):\n%s", diff)
			}
		})
	}
}
