package main

import (
	"strings"
	"testing"
)

// TestExampleConfigIsValid keeps examples/tally.yaml in step with the
// code: every key it documents exists and validates.
func TestExampleConfigIsValid(t *testing.T) {
	t.Setenv("HUBSPOT_TOKEN", "pat-example")
	t.Setenv("SALESFORCE_CLIENT_SECRET", "example-secret")
	t.Setenv("TALLY_PG_DSN", "postgres://tally@db:5432/tally")
	t.Setenv("TALLY_MASTER_KEY", strings.Repeat("k", 32))
	if _, err := loadConfig("../../examples/tally.yaml", newRegistry(), schemasDefault()); err != nil {
		t.Fatalf("examples/tally.yaml: %v", err)
	}
}
