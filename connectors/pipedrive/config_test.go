package pipedrive

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

func decodeConfig(t *testing.T, src string) (*Config, error) {
	t.Helper()
	cfg := Factory().NewConfig().(*Config)
	dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
	dec.KnownFields(true)
	return cfg, dec.Decode(cfg)
}

func TestConfigYAML(t *testing.T) {
	t.Setenv("PIPEDRIVE_TOKEN", testToken)
	cfg, err := decodeConfig(t, "token: ${PIPEDRIVE_TOKEN}\nbase_url: https://acme.pipedrive.com\npage_size: 200\nupdate_lag: 5m\narchived: false\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate = %v", err)
	}
	want := DefaultConfig()
	want.Token = cfg.Token
	want.BaseURL, want.PageSize, want.UpdateLag, want.Archived = "https://acme.pipedrive.com", 200, 5*time.Minute, false
	if diff := cmp.Diff(want, *cfg, cmp.Comparer(func(a, b config.Secret) bool { return a.Reveal() == b.Reveal() }),
		cmp.Comparer(func(a, b func() time.Time) bool { return a == nil && b == nil })); diff != "" {
		t.Errorf("decoded config (-want +got):\n%s", diff)
	}
	if _, err := decodeConfig(t, "token: ${PIPEDRIVE_TOKEN}\npagesize: 50\n"); err == nil {
		t.Errorf("a misspelt key decoded without error")
	}
	if _, err := decodeConfig(t, "token: "+testToken+"\n"); err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("a literal token = %v, want an error that does not quote it", err)
	}
}

func TestConfigValidateReportsAll(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BaseURL = "acme.pipedrive.com"
	cfg.PageSize = 501
	cfg.Timeout = 0
	cfg.UpdateLag = -time.Second
	cfg.MaxRetries = -1
	err := cfg.Validate()
	for _, field := range []string{"base_url", "token", "page_size", "timeout", "update_lag", "max_retries"} {
		if err == nil || !strings.Contains(err.Error(), field+":") {
			t.Errorf("Validate = %v, want a problem with %s", err, field)
		}
	}
}

func TestFactory(t *testing.T) {
	f := Factory()
	if f.Kind != "pipedrive" {
		t.Errorf("Kind = %q, want pipedrive", f.Kind)
	}
	cfg := f.NewConfig().(*Config)
	cfg.Token = config.NewSecret("PIPEDRIVE_TOKEN", testToken)
	src, err := f.New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "pd", Projection: map[string][]string{"deal": {"id"}, "user": {"id"}}})
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	if diff := cmp.Diff([]string{"user", "deal"}, src.Objects()); diff != "" {
		t.Errorf("Objects (-want +got):\n%s", diff)
	}
	cfg.Token = config.Secret{}
	if _, err := f.New(cfg, pipeline.SourceEnv{}); !errors.Is(err, pipeline.ErrConfig) {
		t.Errorf("New without token = %v, want ErrConfig", err)
	}
}
