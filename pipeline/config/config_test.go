package config

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// testConfig is a connector configuration for these tests.
type testConfig struct {
	URL   string        `yaml:"url"`
	Token Secret        `yaml:"token"`
	Wait  time.Duration `yaml:"wait"`
}

func (c *testConfig) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("url: required"))
	}
	errs = append(errs, c.Token.Validate("token"))
	return errors.Join(errs...)
}

type nopSource struct{}

func (nopSource) Objects() []string                                            { return nil }
func (nopSource) Sync(context.Context, string, string, pipeline.Emitter) error { return nil }
func (nopSource) Open(context.Context) error                                   { return nil }
func (nopSource) Close() error                                                 { return nil }

func testRegistry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	r.RegisterSource(pipeline.SourceFactory{
		Kind:      "fake",
		NewConfig: func() pipeline.Validator { return &testConfig{} },
		New:       func(pipeline.Validator, pipeline.SourceEnv) (pipeline.Source, error) { return nopSource{}, nil },
	})
	return r
}

const valid = `tenants:
  - id: acme
    connectors:
      - kind: fake
        options:
          url: http://crm
          token: ${TALLY_TEST_TOKEN}
pseudonyms:
  master_key: ${TALLY_TEST_MASTER}
`

func TestValidConfig(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	f, err := Parse([]byte(valid))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	if ps := f.Validate(testRegistry(), schemas.Default()); len(ps) > 0 {
		t.Fatalf("Validate() = %v, want no problems", ps)
	}
	cfg, err := f.ConnectorConfig(testRegistry(), f.Tenants[0].Connectors[0])
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.(*testConfig).Token.Reveal(); got != "tok" {
		t.Errorf("token = %q, want the env value", got)
	}
	if f.Kafka.Retention.D() != 24*time.Hour || f.Warehouse.Driver != "sqlite" {
		t.Errorf("defaults not applied: %+v", f.Kafka)
	}
}

func TestUnknownTopLevelKeyHasLine(t *testing.T) {
	_, err := Parse([]byte("tenants: []\nkafak:\n  brokers: []\n"))
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Line != 2 {
		t.Fatalf("Parse(typo) = %v, want one problem on line 2", err)
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	t.Setenv("TALLY_TEST_MASTER", "")
	yml := `tenants:
  - id: Acme Corp
    connectors:
      - kind: fake
        options:
          urll: http://crm
          token: ${TALLY_TEST_UNSET}
      - kind: nosuch
kpis: [deals_won, nope]
kafka:
  partitions: 0
  retention: 1m
warehouse:
  driver: oracle
pseudonyms:
  master_key: ${TALLY_TEST_MASTER}
retention:
  facts: 1h
`
	f, err := Parse([]byte(yml))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	ps := f.Validate(testRegistry(), schemas.Default())
	want := []struct {
		line int
		text string
	}{
		{2, "tenants[0].id"},
		{6, "unknown key urll"},
		{0, "url: required"},
		{7, "TALLY_TEST_UNSET is not set"},
		{8, "unknown connector kind \"nosuch\""},
		{9, "unknown KPI \"nope\""},
		{11, "kafka.partitions"},
		{12, "kafka.retention"},
		{14, "warehouse.driver"},
		{16, "TALLY_TEST_MASTER is not set"},
		{18, "retention.facts"},
	}
	for _, w := range want {
		found := false
		for _, p := range ps {
			if strings.Contains(p.Msg, w.text) && (w.line == 0 || p.Line == w.line) {
				found = true
			}
		}
		if !found {
			t.Errorf("Validate() problems lack line %d %q; got:\n%v", w.line, w.text, ps)
		}
	}
}

func TestLiteralSecretRejected(t *testing.T) {
	yml := strings.Replace(valid, "${TALLY_TEST_TOKEN}", "pat-na1-abcdef", 1)
	f, err := Parse([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	ps := f.Validate(testRegistry(), schemas.Default())
	if !strings.Contains(ps.Error(), "line 7: ") || !strings.Contains(ps.Error(), "${ENV}") {
		t.Errorf("Validate(literal token) = %v, want a line-7 ${ENV} problem", ps)
	}
	if strings.Contains(ps.Error(), "pat-na1-abcdef") {
		t.Errorf("problem message leaks the literal secret: %v", ps)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("X", "hunter2")
	for _, got := range []string{s.String(), s.GoString(), s.LogValue().String()} {
		if strings.Contains(got, "hunter2") {
			t.Errorf("secret printed its value: %q", got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"24h", 24 * time.Hour, true},
		{"15m", 15 * time.Minute, true},
		{"x", 0, false},
		{"-1d", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
