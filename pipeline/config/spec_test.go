package config

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// specFixture has one field of each kind Spec documents.
type specFixture struct {
	Name     string            `yaml:"name" spec:"required" doc:"A plain string."`
	Count    int64             `yaml:"count" doc:"An int."`
	Ratio    float64           `yaml:"ratio" doc:"A number."`
	On       bool              `yaml:"on" doc:"A bool."`
	Off      bool              `yaml:"off" doc:"A false bool."`
	Wait     time.Duration     `yaml:"wait" doc:"A Go duration."`
	TTL      Duration          `yaml:"ttl" doc:"Days."`
	Short    Duration          `yaml:"short" doc:"Not whole days."`
	Token    Secret            `yaml:"token" doc:"A secret."`
	User     string            `yaml:"user" spec:"personal" doc:"A username."`
	Hosts    []string          `yaml:"hosts" doc:"A list."`
	Names    map[int]string    `yaml:"names" doc:"A map."`
	Nested   specNested        `yaml:"nested" doc:"An object."`
	Items    []specNested      `yaml:"items" doc:"A list of objects."`
	Options  yaml.Node         `yaml:"options" doc:"Decoded elsewhere."`
	Embedded specEmbedded      `yaml:",inline"`
	Untagged string            `doc:"Key from the field name."`
	Internal time.Duration     `yaml:"-"`
	Clock    func() time.Time  `yaml:"-"`
	hidden   string            // unexported: no key
	Labels   map[string]string `yaml:"labels" spec:"sensitive" doc:"Sensitive though no Secret."`
}

type specNested struct {
	Path string `yaml:"path" doc:"Nested string."`
	Line int    `yaml:"-"`
}

type specEmbedded struct {
	Extra string `yaml:"extra" doc:"From an inlined struct."`
}

func TestSpecDocumentsEveryKindOfField(t *testing.T) {
	def := specFixture{Name: "n", Count: 3, Ratio: 0.25, On: true, Wait: 90 * time.Minute,
		TTL: Duration(400 * 24 * time.Hour), Short: Duration(5 * time.Minute),
		Token: NewSecret("TOKEN", "s3cr3t-value"), Hosts: []string{"a:1", "b:2"},
		Names: map[int]string{2: "b", 1: "a"}, Nested: specNested{Path: "/x"}, Embedded: specEmbedded{Extra: "e"},
		Internal: time.Hour, hidden: "h"}
	want := []Field{
		{Key: "name", Type: "string", Default: "n", Required: true, Description: "A plain string."},
		{Key: "count", Type: "int", Default: "3", Description: "An int."},
		{Key: "ratio", Type: "number", Default: "0.25", Description: "A number."},
		{Key: "on", Type: "bool", Default: "true", Description: "A bool."},
		{Key: "off", Type: "bool", Default: "false", Description: "A false bool."},
		{Key: "wait", Type: "duration", Default: "1h30m", Description: "A Go duration."},
		{Key: "ttl", Type: "duration or days", Default: "400d", Description: "Days."},
		{Key: "short", Type: "duration or days", Default: "5m", Description: "Not whole days."},
		{Key: "token", Type: "secret", Default: "${TOKEN}", Sensitive: true, Description: "A secret."},
		{Key: "user", Type: "string", Personal: true, Description: "A username."},
		{Key: "hosts", Type: "list of string", Default: "[a:1, b:2]", Description: "A list."},
		{Key: "names", Type: "map of int to string", Default: "{1: a, 2: b}", Description: "A map."},
		{Key: "nested", Type: "object", Description: "An object."},
		{Key: "nested.path", Type: "string", Default: "/x", Description: "Nested string."},
		{Key: "items", Type: "list of object", Description: "A list of objects."},
		{Key: "items[].path", Type: "string", Description: "Nested string."},
		{Key: "options", Type: "mapping", Description: "Decoded elsewhere."},
		{Key: "extra", Type: "string", Default: "e", Description: "From an inlined struct."},
		{Key: "untagged", Type: "string", Description: "Key from the field name."},
		{Key: "labels", Type: "map of string to string", Sensitive: true, Description: "Sensitive though no Secret."},
	}
	for _, def := range []any{def, &def} {
		if diff := cmp.Diff(want, Spec(def)); diff != "" {
			t.Errorf("Spec(%T) mismatch (-want +got):\n%s", def, diff)
		}
	}
}

func TestSpecNeverShowsASecretValue(t *testing.T) {
	def := specFixture{Token: NewSecret("", "s3cr3t-value")}
	var md, js bytes.Buffer
	sections := []Section{{Name: "x", Title: "x", Fields: Spec(def)}}
	if err := WriteMarkdown(&md, sections); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&js, sections); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{md.String(), js.String()} {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("rendered spec shows the secret value:\n%s", out)
		}
	}
}

func TestSpecRejectsUnknownFlag(t *testing.T) {
	type bad struct {
		X string `yaml:"x" spec:"requird" doc:"Typo."`
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `"requird"`) {
			t.Errorf("Spec with flag requird: panic %v, want one naming the flag", r)
		}
	}()
	Spec(bad{})
}

func TestWriteMarkdown(t *testing.T) {
	sections := []Section{{Name: "a", Title: "`a`", Doc: "Section doc.", Fields: []Field{
		{Key: "a.token", Type: "secret", Required: true, Sensitive: true, Personal: true, Description: "Token | with pipe,\n<tenant> and *.csv."},
		{Key: "a.n", Type: "int", Default: "5", Description: "N."},
	}}}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, sections); err != nil {
		t.Fatal(err)
	}
	want := "## `a`\n\nSection doc.\n\n" +
		"| key | type | default | required | sensitive / personal | description |\n|---|---|---|---|---|---|\n" +
		"| `a.token` | secret |  | yes | sensitive, personal | Token \\| with pipe, &lt;tenant&gt; and \\*.csv. |\n" +
		"| `a.n` | int | `5` |  |  | N. |\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteMarkdown mismatch (-want +got):\n%s", diff)
	}
}

func TestWriteJSONRoundTrips(t *testing.T) {
	sections := []Section{{Name: "a", Title: "A", Fields: Spec(specFixture{Name: "n"})}}
	var b bytes.Buffer
	if err := WriteJSON(&b, sections); err != nil {
		t.Fatal(err)
	}
	var got []Section
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("WriteJSON wrote invalid JSON: %v", err)
	}
	if diff := cmp.Diff(sections, got); diff != "" {
		t.Errorf("JSON round trip mismatch (-want +got):\n%s", diff)
	}
}

// TestFileSections checks that tally.yaml is split into one section per
// top-level block, each block's keys under it, and that the defaults are
// those Defaults applies.
func TestFileSections(t *testing.T) {
	sections := FileSections()
	var names []string
	keys := map[string]Field{}
	for _, s := range sections {
		names = append(names, s.Name)
		for _, f := range s.Fields {
			if top, _, _ := strings.Cut(strings.ReplaceAll(f.Key, "[]", ""), "."); s.Name != GeneralSection && top != s.Name {
				t.Errorf("section %s holds key %s", s.Name, f.Key)
			}
			keys[f.Key] = f
		}
	}
	wantNames := []string{"general", "tenants", "kafka", "warehouse", "pseudonyms", "retention", "purge", "sync", "log", "metrics", "admin", "quarantine", "privacy", "controller"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("FileSections names mismatch (-want +got):\n%s", diff)
	}
	for key, want := range map[string]string{"data_dir": "./tally-data", "kafka.partitions": "4", "kafka.batch_records": "1000",
		"retention.facts": "400d", "sync.interval": "5m", "purge.batch_timeout": "30s", "warehouse.driver": "sqlite",
		"quarantine.max_share": "0.01", "privacy.min_group_size": "5"} {
		if got := keys[key].Default; got != want {
			t.Errorf("default of %s = %q, want %q", key, got, want)
		}
	}
	if f := keys["warehouse.dsn"]; !f.Sensitive || f.Type != "secret" {
		t.Errorf("warehouse.dsn = %+v, want a sensitive secret", f)
	}
	if f := keys["tenants[].connectors[].options"]; f.Type != "mapping" {
		t.Errorf("connector options type = %q, want mapping", f.Type)
	}
}
