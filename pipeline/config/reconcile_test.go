package config

import (
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// TestReconcileNeedsAKindThatListsIDs: a reconcile schedule on a kind
// whose sources cannot list ids is a located problem; "off" is not.
func TestReconcileNeedsAKindThatListsIDs(t *testing.T) {
	t.Setenv("TALLY_TEST_TOKEN", "tok")
	t.Setenv("TALLY_TEST_MASTER", strings.Repeat("m", 32))
	reg := testRegistry()
	reg.RegisterSource(pipeline.SourceFactory{
		Kind:       "lister",
		NewConfig:  func() pipeline.Validator { return &testConfig{} },
		New:        func(pipeline.Validator, pipeline.SourceEnv) (pipeline.Source, error) { return nopSource{}, nil },
		Reconciles: true,
	})
	yml := `tenants:
  - id: acme
    connectors:
      - kind: fake
        reconcile: "@daily"
        options: {url: http://crm, token: "${TALLY_TEST_TOKEN}"}
      - kind: fake
        name: quiet
        reconcile: "off"
        options: {url: http://crm, token: "${TALLY_TEST_TOKEN}"}
      - kind: lister
        reconcile: "0 3 * * *"
        options: {url: http://crm, token: "${TALLY_TEST_TOKEN}"}
pseudonyms:
  master_key: ${TALLY_TEST_MASTER}
`
	f, err := Parse([]byte(yml))
	if err != nil {
		t.Fatalf("Parse() = %v", err)
	}
	ps := f.Validate(reg, schemas.Default())
	if len(ps) != 1 || ps[0].Line != 5 || !strings.Contains(ps[0].Msg, "tenants[0].connectors[0].reconcile") {
		t.Fatalf("Validate() = %v, want one problem at line 5 (the key) naming tenants[0].connectors[0].reconcile", ps)
	}
	cs := f.Tenants[0].Connectors
	if !cs[0].Reconciles() || cs[1].Reconciles() || !cs[2].Reconciles() || cs[2].Reconcile != "0 3 * * *" {
		t.Errorf("Reconciles() = %v %v %v, want true false true", cs[0].Reconciles(), cs[1].Reconciles(), cs[2].Reconciles())
	}
}
