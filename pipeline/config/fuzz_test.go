package config_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"gopkg.in/yaml.v3"

	"github.com/tally-dev/tally/connectors/bullhorn"
	"github.com/tally-dev/tally/connectors/csvfile"
	"github.com/tally-dev/tally/connectors/hubspot"
	"github.com/tally-dev/tally/connectors/marketo"
	"github.com/tally-dev/tally/connectors/pipedrive"
	"github.com/tally-dev/tally/connectors/salesforce"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
)

// registry is cmd/tally's list of connector kinds.
func registry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	for _, f := range []pipeline.SourceFactory{hubspot.Factory(), salesforce.Factory(), bullhorn.Factory(),
		pipedrive.Factory(), csvfile.Factory(), marketo.Factory()} {
		r.RegisterSource(f)
	}
	return r
}

// seeds are the example configurations and every YAML file of the CLI
// scripts, valid and invalid.
func seeds(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, pattern := range []string{"../../examples/*.yaml", "../../deploy/*/*.yaml", "../../deploy/*/*/*.yaml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			a, err := txtar.ParseFile(p) // a file with no archive markers is all comment
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, a.Comment)
		}
	}
	scripts, _ := filepath.Glob("../../cmd/tally/testdata/script/*.txtar")
	for _, p := range scripts {
		a, err := txtar.ParseFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range a.Files {
			if strings.HasSuffix(f.Name, ".yaml") {
				out = append(out, f.Data)
			}
		}
	}
	if len(out) < 10 {
		tb.Fatalf("found %d seeds, want the examples and the scripts' files", len(out))
	}
	return out
}

// FuzzLoad feeds the configuration loader arbitrary bytes: it must never
// panic, and every problem of a rejection must name a line, sorted,
// inside the file, except those about a key or file that is not there.
func FuzzLoad(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Add([]byte("tenants: id: acme\n"))
	f.Add([]byte("a: &x [*x, *x]\nb: *x\n"))
	f.Add([]byte("tenants:\n  - <<: {id: a}\n"))
	f.Setenv("HUBSPOT_TOKEN", "pat-test")
	f.Setenv("TALLY_MASTER_KEY", strings.Repeat("k", 32))
	reg, cat := registry(), schemas.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := config.ParseChecked(data, reg, cat)
		if err == nil {
			return
		}
		var ps config.Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("ParseChecked() = %T %v, want Problems", err, err)
		}
		checkProblems(t, data, ps)
	})
}

// checkProblems asserts what FuzzLoad promises about a rejection.
func checkProblems(t *testing.T, data []byte, ps config.Problems) {
	t.Helper()
	lines := strings.Count(string(data), "\n") + 1
	top, topOK := topKeys(data)
	for i, p := range ps {
		if strings.Contains(p.Msg, "cannot decode the file") {
			t.Errorf("the loader recovered a panic: %v", p)
		}
		if i > 0 && p.Line < ps[i-1].Line {
			t.Errorf("problems not sorted by line: %v before %v", ps[i-1], p)
		}
		if p.Line > lines {
			t.Errorf("problem %v is past the last line %d", p, lines)
		}
		if p.Line == 0 && !lineless(p.Msg, top, topOK) {
			t.Errorf("problem without a line: %q", p.Msg)
		}
	}
}

// lineless reports the problems that have no line because what they
// name is absent: the whole file, or a required top-level key.
func lineless(msg string, top map[string]bool, topOK bool) bool {
	if strings.HasPrefix(msg, "the file is empty") {
		return true
	}
	for _, key := range []string{"tenants", "pseudonyms"} {
		if strings.HasPrefix(msg, key+": ") {
			return topOK && !top[key]
		}
	}
	return false
}

// topKeys returns the keys of the document's top-level mapping.
func topKeys(data []byte) (map[string]bool, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, false
	}
	keys := map[string]bool{}
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			keys[m.Content[i].Value] = true
		}
	}
	return keys, true
}
