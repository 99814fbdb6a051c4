package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
)

// TestCheck tries the credentials against the fake HubSpot, lists the
// fields with their justification, and writes nothing.
func TestCheck(t *testing.T) {
	ds := hubspottest.Generate(3, hubspottest.Sizes{Owners: 2, Deals: 5, Contacts: 5})
	e := newEnv(t, ds, sqliteWarehouse(t))
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"check", "--config", e.cfgPath}, &out, &errb); code != exitOK {
		t.Fatalf("check exited %d: %s", code, errb.String())
	}
	for _, want := range []string{"acme/hubspot: ok", "deal:", "amount", "kpi revenue_won", "lead:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	if n := e.srv.RequestCount(); n != 3 {
		t.Errorf("check made %d requests, want one per object (3)", n)
	}

	t.Setenv("TALLY_TEST_HUBSPOT_TOKEN", "pat-wrong-token-value")
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"check", "--config", e.cfgPath}, &out, &errb); code != exitConfig {
		t.Fatalf("check with a wrong token exited %d, want %d", code, exitConfig)
	}
	all := out.String() + errb.String()
	if !strings.Contains(all, "401") || strings.Contains(all, "pat-wrong-token-value") {
		t.Errorf("check with a wrong token: want a 401 message without the token, got:\n%s", all)
	}
}
