package config

import (
	"strings"
	"testing"

	"github.com/tally-dev/tally/schemas"
)

func TestControllerValidation(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", "0123456789abcdef0123456789abcdef")
	for _, tc := range []struct {
		name  string
		yaml  string
		want  []string // problems, empty for valid
		never string   // a value no problem may quote
	}{
		{name: "absent is valid", yaml: ""},
		{name: "complete", yaml: `controller:
  name: Acme GmbH
  contact: "Hauptstr. 1, Berlin; privacy@acme.example"
  dpo: "Dana Doe, dpo@acme.example"
  processors:
    - {name: Hetzner Online GmbH, service: hosting, location: DE}
  transfers:
    - {destination: US, recipient: HubSpot Inc., safeguard: EU-US Data Privacy Framework}
  security_measures: [full-disk encryption, quarterly access review]
`},
		{name: "name required once anything is set", yaml: "controller:\n  dpo: dpo@acme.example\n",
			want: []string{"line 10: controller.name: required"}, never: "dpo@acme.example"},
		{name: "transfer needs destination and safeguard", yaml: "controller:\n  name: Acme\n  transfers:\n    - {recipient: Someone Secret}\n",
			want: []string{"controller.transfers[0].destination: required", "controller.transfers[0].safeguard: required"}, never: "Someone Secret"},
		{name: "processor needs a name, measures no blanks", yaml: "controller:\n  name: Acme\n  processors: [{service: hosting}]\n  security_measures: [\" \"]\n",
			want: []string{"controller.processors[0].name: required", "controller.security_measures[0]: required"}},
		{name: "control characters and length", yaml: "controller:\n  name: \"Acme\\u0007\"\n  contact: \"" + strings.Repeat("x", 1001) + "\"\n",
			want: []string{"controller.name: contains control characters", "controller.contact: longer than 1000 bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(valid + tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			ps := f.Validate(testRegistry(), schemas.Default())
			if len(tc.want) == 0 {
				if len(ps) > 0 {
					t.Fatalf("problems: %v", ps)
				}
				return
			}
			for _, w := range tc.want {
				if !strings.Contains(ps.Error(), w) {
					t.Errorf("problems lack %q:\n%v", w, ps)
				}
			}
			if tc.never != "" && strings.Contains(ps.Error(), tc.never) {
				t.Errorf("problems quote a value %q:\n%v", tc.never, ps)
			}
		})
	}
}
