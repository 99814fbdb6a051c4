package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tally-dev/tally/pipeline/config"
)

// TestDocsConfigIsCurrent keeps docs/config.md equal to what `tally
// docs` renders from the code.
func TestDocsConfigIsCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := writeDocs(&b, newRegistry(), "md", ""); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatalf("reading docs/config.md: %v (regenerate it: go run ./cmd/tally docs > docs/config.md)", err)
	}
	if diff := cmp.Diff(string(committed), b.String()); diff != "" {
		t.Errorf("docs/config.md is stale; regenerate it with `go run ./cmd/tally docs > docs/config.md` (-committed +rendered):\n%s", diff)
	}
}

// TestEveryConfigFieldIsDescribed fails when a configuration key of
// tally.yaml or of any connector kind has no doc tag.
func TestEveryConfigFieldIsDescribed(t *testing.T) {
	sections := docSections(newRegistry())
	if len(sections) < 2 {
		t.Fatalf("docSections returned %d sections", len(sections))
	}
	for _, s := range sections {
		if len(s.Fields) == 0 {
			t.Errorf("section %s documents no key", s.Name)
		}
		for _, f := range s.Fields {
			if strings.TrimSpace(f.Description) == "" {
				t.Errorf("section %s: key %s has no description; add a doc:\"…\" tag to its field", s.Name, f.Key)
			}
		}
	}
}

// TestRequiredKeysAreRequired checks each key documented as required
// against Validate: left unset, it must be reported.
func TestRequiredKeysAreRequired(t *testing.T) {
	reg := newRegistry()
	var msgs []string
	for _, f := range []config.File{config.Defaults(),
		withTenants(config.Tenant{}), withTenants(config.Tenant{Connectors: []config.Connector{{}}}),
		withController(config.Controller{Name: "c", Processors: []config.Processor{{}}, Transfers: []config.Transfer{{}}})} {
		for _, p := range f.Validate(reg, schemasDefault()) {
			msgs = append(msgs, strings.ReplaceAll(p.Msg, "]: ", "]."))
		}
	}
	checkRequired(t, "tally.yaml", config.FileSections(), strings.Join(msgs, "\n"))
	for _, kind := range reg.SourceKinds() {
		fac, _ := reg.Source(kind)
		cfg, problems := fac.NewConfig(), ""
		if err := cfg.Validate(); err != nil {
			problems = err.Error()
		}
		checkRequired(t, kind, []config.Section{{Fields: config.Spec(cfg)}}, problems)
	}
}

func withController(c config.Controller) config.File {
	f := config.Defaults()
	f.Controller = c
	return f
}

func withTenants(ts ...config.Tenant) config.File {
	f := config.Defaults()
	f.Tenants = ts
	return f
}

func checkRequired(t *testing.T, component string, sections []config.Section, problems string) {
	t.Helper()
	for _, s := range sections {
		for _, f := range s.Fields {
			key := strings.ReplaceAll(f.Key, "[]", "[0]")
			if f.Required && !strings.Contains("\n"+problems, "\n"+key+":") {
				t.Errorf("%s: %s is documented as required, but Validate reports no problem when it is unset; it said:\n%s", component, f.Key, problems)
			}
		}
	}
}

func TestDocsSectionsAndFormats(t *testing.T) {
	for _, tc := range []struct {
		name, format, section string
		want, notWant         []string
	}{
		{name: "full markdown", format: "md", want: []string{"# Configuration reference", "## `kafka`", "## Connector `hubspot`", "| `token` | secret |"}},
		{name: "one connector", format: "md", section: "bullhorn", want: []string{"## Connector `bullhorn`", "| `username` | string |  |  | personal |"}, notWant: []string{"# Configuration reference", "## `kafka`"}},
		{name: "one block as json", format: "json", section: "kafka", want: []string{`"name": "kafka"`, `"key": "kafka.partitions"`, `"default": "4"`}, notWant: []string{"hubspot"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeDocs(&b, newRegistry(), tc.format, tc.section); err != nil {
				t.Fatalf("writeDocs(%s, %q) = %v", tc.format, tc.section, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("writeDocs(%s, %q) lacks %q", tc.format, tc.section, w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(b.String(), w) {
					t.Errorf("writeDocs(%s, %q) holds %q", tc.format, tc.section, w)
				}
			}
		})
	}
}
