package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/tally-dev/tally/schemas"
)

// writeSecret writes a secret file with mode perm and returns its path.
func writeSecret(t *testing.T, dir, name, content string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil { // not subject to umask
		t.Fatal(err)
	}
	return p
}

func TestSecretFromFile(t *testing.T) {
	dir := t.TempDir()
	master := writeSecret(t, dir, "master", strings.Repeat("m", 32)+"\n", 0o400)
	token := writeSecret(t, dir, "token", "tok-from-file\r\n", 0o600)
	open := writeSecret(t, dir, "open", "tok-open\n", 0o644)
	empty := writeSecret(t, dir, "empty", "\n", 0o600)
	unreadable := writeSecret(t, dir, "unreadable", "tok-hidden", 0o000)
	big := writeSecret(t, dir, "big", strings.Repeat("x", MaxSecretFileBytes+1), 0o600)
	missing := filepath.Join(dir, "missing")
	cfg := func(tokenRef string) string {
		return "tenants:\n  - id: acme\n    connectors:\n      - kind: fake\n        options:\n          url: http://crm\n" +
			"          token: \"" + tokenRef + "\"\npseudonyms:\n  master_key: \"${file:" + master + "}\"\n"
	}
	cases := []struct {
		name    string
		ref     string
		value   string // the token read, when valid
		problem string
		warning string
	}{
		{name: "trailing line break trimmed", ref: "${file:" + token + "}", value: "tok-from-file"},
		{name: "world-readable warns", ref: "${file:" + open + "}", value: "tok-open",
			warning: "tenants[0].connectors[0].options.token: secret file " + open + " is readable by group or others (mode 0644)"},
		{name: "missing file", ref: "${file:" + missing + "}",
			problem: "line 7: tenants[0].connectors[0].options.token: cannot read secret file " + missing + ": no such file or directory"},
		{name: "empty file", ref: "${file:" + empty + "}", problem: "token: secret file " + empty + " is empty"},
		{name: "too large", ref: "${file:" + big + "}", problem: "token: cannot read secret file " + big + ": larger than"},
		{name: "a directory", ref: "${file:" + dir + "}", problem: "token: cannot read secret file " + dir + ": not a regular file"},
	}
	if os.Geteuid() != 0 { // root reads any file
		cases = append(cases, struct {
			name, ref, value, problem, warning string
		}{name: "unreadable", ref: "${file:" + unreadable + "}", problem: "token: cannot read secret file " + unreadable + ": permission denied"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(cfg(tc.ref)))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			ps := f.Validate(testRegistry(), schemas.Default())
			switch {
			case tc.problem == "" && len(ps) > 0:
				t.Errorf("Validate() = %v, want no problem", ps)
			case tc.problem != "" && (len(ps) != 1 || !strings.Contains(ps.Error(), tc.problem)):
				t.Errorf("Validate() = %v, want one problem %q", ps, tc.problem)
			}
			if tc.value != "" {
				c, err := f.ConnectorConfig(testRegistry(), f.Tenants[0].Connectors[0])
				if err != nil {
					t.Fatal(err)
				}
				if got := c.(*testConfig).Token.Reveal(); got != tc.value {
					t.Errorf("token = %q, want %q", got, tc.value)
				}
				if f.Pseudonyms.MasterKey.Reveal() != strings.Repeat("m", 32) {
					t.Error("master_key from file: value not read or not trimmed")
				}
			}
			ws := f.SecretWarnings(testRegistry())
			switch {
			case tc.warning == "" && len(ws) > 0:
				t.Errorf("SecretWarnings() = %q, want none", ws)
			case tc.warning != "" && (len(ws) != 1 || !strings.Contains(ws[0], tc.warning)):
				t.Errorf("SecretWarnings() = %q, want %q", ws, tc.warning)
			}
			all := ps.Error() + strings.Join(ws, "\n")
			for _, v := range []string{"tok-", "mmmm"} {
				if strings.Contains(all, v) {
					t.Errorf("problems or warnings quote a secret value:\n%s", all)
				}
			}
		})
	}
}

// TestSecretFileReferenceRendering: the reference, never the value, is
// what a Secret prints, marshals and reports as its source.
func TestSecretFileReferenceRendering(t *testing.T) {
	p := writeSecret(t, t.TempDir(), "s", "hunter2\n", 0o600)
	var s Secret
	if err := decodeYAML("${file:"+p+"}", &s); err != nil {
		t.Fatal(err)
	}
	if s.Reveal() != "hunter2" || s.File() != p || s.Env() != "file:"+p {
		t.Errorf("Secret = value ok %v, File %q, Env %q", s.Reveal() == "hunter2", s.File(), s.Env())
	}
	y, _ := s.MarshalYAML()
	if y != "${file:"+p+"}" || s.String() != "[secret]" {
		t.Errorf("MarshalYAML = %v, String = %s", y, s)
	}
	for _, bad := range []string{"${file:}", "file:" + p, "${FILE:" + p + "}"} {
		var s Secret
		if err := decodeYAML(bad, &s); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("decode(%q) = %v, want a reference error", bad, err)
		}
	}
}

// decodeYAML decodes one scalar into v.
func decodeYAML(scalar string, v any) error {
	return yaml.Unmarshal([]byte(strconv.Quote(scalar)), v)
}
