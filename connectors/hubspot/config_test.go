package hubspot

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

func testSecret() config.Secret { return config.NewSecret("HUBSPOT_TOKEN", testToken) }

func decodeConfig(t *testing.T, src string) (*Config, error) {
	t.Helper()
	cfg := Factory().NewConfig().(*Config)
	dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
	dec.KnownFields(true)
	return cfg, dec.Decode(cfg)
}

func TestConfigYAML(t *testing.T) {
	t.Setenv("HUBSPOT_TOKEN", testToken)
	cfg, err := decodeConfig(t, "token: ${HUBSPOT_TOKEN}\npage_size: 50\ntimeout: 10s\nsearch_lag: 5m\narchived: false\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate = %v", err)
	}
	want := DefaultConfig()
	want.Token = cfg.Token
	want.PageSize, want.Timeout, want.SearchLag, want.Archived = 50, 10*time.Second, 5*time.Minute, false
	if diff := cmp.Diff(want, *cfg, cmp.Comparer(func(a, b config.Secret) bool { return a.Reveal() == b.Reveal() }),
		cmp.Comparer(func(a, b func() time.Time) bool { return a == nil && b == nil })); diff != "" {
		t.Errorf("decoded config (-want +got):\n%s", diff)
	}
	if _, err := decodeConfig(t, "token: ${HUBSPOT_TOKEN}\npagesize: 50\n"); err == nil {
		t.Errorf("a misspelt key decoded without error")
	}
	if _, err := decodeConfig(t, "token: "+testToken+"\n"); err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("a literal token = %v, want an error that does not quote it", err)
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BaseURL = "api.hubapi.com"
	cfg.PageSize = 101
	cfg.SearchPageSize = 0
	cfg.Timeout = 0
	cfg.SearchLag = -time.Second
	err := cfg.Validate()
	for _, field := range []string{"base_url", "token", "page_size", "search_page_size", "timeout", "search_lag"} {
		if err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("Validate = %v, want a problem with %s", err, field)
		}
	}
}

func TestFactory(t *testing.T) {
	f := Factory()
	if f.Kind != "hubspot" {
		t.Errorf("Kind = %q, want hubspot", f.Kind)
	}
	cfg := f.NewConfig().(*Config)
	cfg.Token = testSecret()
	src, err := f.New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "hs", Projection: map[string][]string{"deal": {"id", "amount"}}})
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	if diff := cmp.Diff([]string{"deal"}, src.Objects()); diff != "" {
		t.Errorf("Objects (-want +got):\n%s", diff)
	}
	cfg.Token = config.Secret{}
	if _, err := f.New(cfg, pipeline.SourceEnv{}); !errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("New without a token = %v, want ErrConfig", err)
	}
}
