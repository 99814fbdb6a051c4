package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tally-dev/tally/schemas"
)

func TestNoSourcesSkipsOnlyConnectorSecrets(t *testing.T) {
	const master = "0123456789abcdef0123456789abcdef"
	badURL := strings.Replace(valid, "url: http://crm", "url: \"\"", 1)
	for _, tc := range []struct {
		name       string
		yaml       string
		master     string
		noSources  bool
		want, lack []string
	}{
		{name: "strict names the token", yaml: valid, master: master,
			want: []string{"line 7: tenants[0].connectors[0].options.token: environment variable TALLY_TEST_TOKEN is not set"}},
		{name: "no sources: token unset is fine", yaml: valid, master: master, noSources: true},
		{name: "no sources: other options still checked", yaml: badURL, master: master, noSources: true,
			want: []string{"url: required"}, lack: []string{"TALLY_TEST_TOKEN"}},
		{name: "no sources: master key still required", yaml: valid, noSources: true,
			want: []string{"pseudonyms.master_key: environment variable TALLY_TEST_MASTER is not set"}, lack: []string{"TALLY_TEST_TOKEN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TALLY_TEST_TOKEN", "")
			t.Setenv("TALLY_TEST_MASTER", tc.master)
			parse := ParseChecked
			if tc.noSources {
				parse = ParseCheckedNoSources
			}
			f, err := parse([]byte(tc.yaml), testRegistry(), schemas.Default())
			if len(tc.want) == 0 {
				if err != nil || f == nil {
					t.Fatalf("got %v, want a valid file", err)
				}
				return
			}
			if err == nil {
				t.Fatal("got a valid file, want problems")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems lack %q:\n%v", w, err)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(err.Error(), l) {
					t.Errorf("problems mention %q:\n%v", l, err)
				}
			}
		})
	}
}

func TestWithoutUnset(t *testing.T) {
	unset := &UnsetError{Field: "token", Env: "X_TOKEN"}
	other := errors.New("url: required")
	for _, tc := range []struct {
		name string
		in   error
		want string
	}{
		{"nil", nil, ""},
		{"only unset", unset, ""},
		{"wrapped unset", fmt.Errorf("bullhorn: %w", unset), ""},
		{"joined", errors.Join(other, unset), "url: required"},
		{"nested join", errors.Join(errors.Join(unset, other), unset), "url: required"},
		{"untouched", other, "url: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := withoutUnset(tc.in)
			if (got == nil) != (tc.want == "") || (got != nil && got.Error() != tc.want) {
				t.Errorf("withoutUnset(%v) = %v, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestPlanningConfigStandsInForUnsetSecrets(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "")
	f, err := Parse([]byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Tenants[0].Connectors[0]
	if _, err := f.ConnectorConfig(testRegistry(), c); err == nil {
		t.Fatal("ConnectorConfig accepted an unset token")
	}
	cfg, err := f.PlanningConfig(testRegistry(), c)
	if err != nil {
		t.Fatalf("PlanningConfig: %v", err)
	}
	tok := cfg.(*testConfig).Token
	if !tok.Set() || tok.Env() != "TALLY_TEST_TOKEN" || tok.Reveal() != standIn {
		t.Errorf("token = set %v env %q, want the stand-in for TALLY_TEST_TOKEN", tok.Set(), tok.Env())
	}
}
