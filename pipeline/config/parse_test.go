package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tally-dev/tally/schemas"
)

// TestSyntaxErrorsHaveTheirLine covers the shapes of yaml.v3's errors:
// scanner errors with a 1-based line, parser errors with the 0-based
// line of the enclosing construct, and errors with no line at all.
func TestSyntaxErrorsHaveTheirLine(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"scanner error", "x: 1\ny: 2\n  z: 3\n", 3, "mapping values are not allowed"},
		{"first line, no line from yaml", "a: b: c\n", 1, "mapping values are not allowed"},
		{"tab", "x: 1\n\ty: 2\n", 2, "tab character"},
		{"parser error names the construct's start", "tenants:\n  - id: acme\n    connectors: []\n      kind: csv\n", 4, "did not find expected key"},
		{"dedent", "x: 1\ny: |\n  a\n b\n", 4, "did not find expected key"},
		{"sequence under mapping", "x: 1\n- a\n", 2, "did not find expected key"},
		{"unclosed flow mapping", "x: 1\ny: {a\n", 2, "did not find expected ',' or '}'"},
		{"unclosed flow sequence at the end", "x: 1\na: [\n", 2, "did not find expected node content"},
		{"unterminated quote", "x: 1\ny: 'abc\n", 2, "found unexpected end of stream"},
		{"control character", "x: 1\ny: 2\nz: \x01\n", 3, "control characters"},
		{"invalid UTF-8", "x: 1\na: \xff\n", 2, "UTF-8"},
		{"unknown anchor", "x: 1\ny: 2\nz: *nope\n", 3, "unknown anchor"},
		{"bad token", "x: 1\n@foo\n", 2, "cannot start any token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) != 1 {
				t.Fatalf("Parse(%q) = %v, want one problem", tc.in, err)
			}
			if ps[0].Line != tc.line || !strings.Contains(ps[0].Msg, tc.msg) {
				t.Errorf("Parse(%q) = %v, want line %d: …%s…", tc.in, ps[0], tc.line, tc.msg)
			}
		})
	}
}

func TestDocumentShape(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"empty", "", 0, msgEmpty},
		{"comments only", "# nothing\n\n", 0, msgEmpty},
		{"document marker only", "---\n", 0, msgEmpty},
		{"a list", "- a\n- b\n", 1, "must be a mapping"},
		{"second document", "tenants: []\n---\nkafka: {}\n", 2, "a second YAML document"},
		{"second document broken", "tenants: []\n---\nkafka: {\n", 3, "did not find expected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Parse(%q) = %v, want problems", tc.in, err)
			}
			if ps[0].Line != tc.line || !strings.Contains(ps[0].Msg, tc.msg) {
				t.Errorf("Parse(%q) = %v, want line %d: …%s…", tc.in, ps, tc.line, tc.msg)
			}
		})
	}
}

func TestLoadMissingAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "nope.yaml"))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Msg != msgNoFile {
		t.Errorf("Load(missing) = %v, want %q", err, msgNoFile)
	}
	_, err = Load(dir)
	if !errors.As(err, &ps) || len(ps) != 1 || !strings.HasPrefix(ps[0].Msg, "cannot read the file: ") || strings.Contains(ps[0].Msg, dir) {
		t.Errorf("Load(directory) = %v, want a cannot-read problem without the path", err)
	}
}

// TestChecksRunMadeOnlyByCommands: values that only a command used to
// refuse are problems of Validate, at their key's line.
func TestChecksRunMadeOnlyByCommands(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", "too short")
	t.Setenv("TALLY_TEST_DSN", "postgres://u@db/x")
	yml := valid + `log:
  level: verbose
  format: xml
metrics:
  listen: "9464"
kafka:
  brokers: [localhost]
warehouse:
  driver: sqlite
  dsn: ${TALLY_TEST_DSN}
kpis: [deals_won, deals_won]
`
	f, err := Parse([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	want := []Problem{
		{9, `pseudonyms.master_key: the value of TALLY_TEST_MASTER is 9 bytes, need at least 32`},
		{11, `log.level "verbose": want debug, info, warn or error`},
		{12, `log.format "xml": want text or json`},
		{14, `metrics.listen: "9464" is not host:port, e.g. 127.0.0.1:9464`},
		{16, `kafka.brokers[0]: "localhost" is not host:port`},
		{19, `warehouse.dsn: only for driver postgres; remove it or set driver: postgres`},
		{20, `kpis[1]: "deals_won" is listed twice`},
	}
	got := f.Validate(testRegistry(), schemas.Default())
	if len(got) != len(want) {
		t.Fatalf("Validate() = \n%v\nwant %d problems", got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("problem %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{
		{filepath.Join(dir, "none.key"), "pseudonyms.master_key_file: cannot read the file (no such file or directory)"},
		{short, "pseudonyms.master_key_file: the file holds 3 bytes, need at least 32"},
	} {
		p := Pseudonyms{MasterKeyFile: tc.file, KeyVersion: 1}
		if err := p.keyMaterial(); err == nil || err.Error() != tc.want {
			t.Errorf("keyMaterial(%s) = %v, want %q", filepath.Base(tc.file), err, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"tenants", "kafka", "hubspot", "salesforce", "id", "kpis"}
	for _, tc := range []struct{ got, want string }{
		{"tenats", "tenants"}, {"kafak", "kafka"}, {"hubspt", "hubspot"}, {"Tenants", "tenants"},
		{"salesforse", "salesforce"}, {"ip", "id"}, {"kpi", "kpis"},
		{"zzz", ""}, {"tenants", ""}, {"x", ""}, {"warehouse", ""},
	} {
		if got := Suggest(tc.got, known); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.got, got, tc.want)
		}
	}
	if got := suggestKnown(`object: "dael" is not a canonical object (known: deal, lead, user)`); !strings.Contains(got, `"dael" (did you mean deal?)`) {
		t.Errorf("suggestKnown() = %q, want a suggestion after the name", got)
	}
}

// TestTypeErrorsNameTheKeyNotTheValue: a value of the wrong type is
// reported by key and type, never echoed (it may be a misplaced secret).
func TestTypeErrorsNameTheKeyNotTheValue(t *testing.T) {
	_, err := Parse([]byte("tenants: []\nkafka:\n  partitions: hunter2-secret\n  brokers: {a: b}\n"))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 2 {
		t.Fatalf("Parse() = %v, want two problems", err)
	}
	want := Problems{{3, "kafka.partitions: want an integer, got !!str"}, {4, "kafka.brokers: want a list, got !!map"}}
	for i := range want {
		if ps[i] != want[i] {
			t.Errorf("problem %d = %v, want %v", i, ps[i], want[i])
		}
	}
}

// TestDecodeErrorsHaveTheirLine covers the errors yaml.v3's decoder
// stops at without a line.
func TestDecodeErrorsHaveTheirLine(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		line     int
		msg      string
	}{
		{"explicit tag", "tenants:\n  - id: !!int acme\n", 2, "a !!str value cannot be read as !!int"},
		{"merge of a scalar", "kafka:\n  partitions: 2\n  <<: x\n", 3, "map merge"},
		{"mapping as key", "kafka:\n  ? {a: b}\n  : c\n", 2, "want a string, got !!map"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Parse(%q) = %v, want problems", tc.in, err)
			}
			found := false
			for _, p := range ps {
				found = found || p.Line == tc.line && strings.Contains(p.Msg, tc.msg)
			}
			if !found || strings.Contains(ps.Error(), "acme") {
				t.Errorf("Parse(%q) = %v, want line %d: …%s… without the value", tc.in, ps, tc.line, tc.msg)
			}
		})
	}
}

// TestDecodingGoesOnAfterABadValue: a bad duration or a literal secret
// does not hide the problems after it, and a list item is reported at
// its own line.
func TestDecodingGoesOnAfterABadValue(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	yml := valid + "kafka:\n  retention: soon\n  partitions: many\nwarehouse:\n  dsn: postgres://literal\nkpis:\n  - deals_won\n  - deals_wno\n"
	_, err := ParseChecked([]byte(yml), testRegistry(), schemas.Default())
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("ParseChecked() = %v, want problems", err)
	}
	want := []Problem{
		{11, `kafka.retention: invalid duration "soon" (want e.g. 90d, 24h, 15m)`},
		{12, "kafka.partitions: want an integer, got !!str"},
		{14, "warehouse.dsn: a secret must be an ${ENV} or ${file:PATH} reference, not a literal value"},
		{17, `kpis[1]: unknown KPI "deals_wno" (did you mean deals_won?)`},
	}
	if len(ps) != len(want) {
		t.Fatalf("ParseChecked() = \n%v\nwant %d problems", ps, len(want))
	}
	for i, w := range want {
		if ps[i].Line != w.Line || !strings.HasPrefix(ps[i].Msg, w.Msg) {
			t.Errorf("problem %d = %v, want %v…", i, ps[i], w)
		}
	}
}

// TestUnknownKeyDoesNotHideItsLine: an unknown key and a bad value on
// one line are both reported.
func TestUnknownKeyDoesNotHideItsLine(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	_, err := ParseChecked([]byte(valid+"kafka: {partitons: 0, partitions: 0}\n"), testRegistry(), schemas.Default())
	got := err.Error()
	for _, want := range []string{"line 10: unknown key kafka.partitons (did you mean partitions?)", "line 10: kafka.partitions: 0 is out of range 1-64"} {
		if !strings.Contains(got, want) {
			t.Errorf("ParseChecked() = %v, want %q", got, want)
		}
	}
}
