package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/kafka"
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
	if n := e.srv.RequestCount(); n != 6 {
		t.Errorf("check made %d requests, want one per object (3) and one per object's properties (3)", n)
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

// TestCheckSaysWhichPropertiesItVerified: a property the portal lacks is
// listed as not found with the KPIs it feeds; the others as verified.
func TestCheckSaysWhichPropertiesItVerified(t *testing.T) {
	ds := hubspottest.Generate(3, hubspottest.Sizes{Owners: 2, Deals: 5, Contacts: 5})
	ds.DropProperty("deals", "hs_is_closed_won")
	e := newEnv(t, ds, sqliteWarehouse(t))
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"check", "--config", e.cfgPath}, &out, &errb); code != exitOK {
		t.Fatalf("check exited %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"  verified: deal.amount, ",
		"  not found: deal.hs_is_closed_won (deal.is_won: not in the properties api; feeds kpi ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "not found: deal.amount") {
		t.Errorf("a property the portal has is listed as not found:\n%s", out.String())
	}
}

// TestCheckWarnsAboutLongTopicRetention: a raw topic that already exists
// with a longer retention than kafka.retention is reported.
func TestCheckWarnsAboutLongTopicRetention(t *testing.T) {
	emb, err := kafka.StartEmbedded(kafka.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	l, err := kafka.Open(kafka.Config{Brokers: emb.Addrs()}, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.EnsureTopic(context.Background(), pipeline.TopicSpec{Name: "tally.acme.hubspot.deal", Partitions: 1,
		Retention: 30 * 24 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	ds := hubspottest.Generate(3, hubspottest.Sizes{Owners: 2, Deals: 5, Contacts: 5})
	e := newEnv(t, ds, sqliteWarehouse(t))
	data, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	yml := string(data) + fmt.Sprintf("kafka:\n  brokers: [%q]\n  retention: 24h\n", emb.Addrs()[0])
	if err := os.WriteFile(e.cfgPath, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"check", "--config", e.cfgPath}, &out, &errb); code != exitOK {
		t.Fatalf("check exited %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "WARNING: topic tally.acme.hubspot.deal keeps raw records 30d, longer than kafka.retention 1d") {
		t.Errorf("check output lacks the retention warning:\n%s", out.String())
	}
	if strings.Contains(out.String(), "WARNING: topic tally.acme.hubspot.lead") {
		t.Errorf("a topic that does not exist yet was warned about:\n%s", out.String())
	}
}
