package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestRunningRunStopsATerminatedTenant: `tally run` checks terminations
// before every pass, so a tenant terminated while it runs stops being
// pulled without a restart.
func TestRunningRunStopsATerminatedTenant(t *testing.T) {
	ds := hubspottest.Generate(5, hubspottest.Sizes{Owners: 2, Deals: 20, Contacts: 5})
	e := newEnv(t, ds, sqliteWarehouse(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg, err := loadConfig(e.cfgPath, newRegistry(), schemasDefault())
	if err != nil {
		t.Fatal(err)
	}
	logs := &pipelinetest.LogBuffer{}
	a, err := newApp(ctx, cfg, newRegistry(), newTestLogger(logs), appOptions{inMemoryKafka: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.runner.Interval = 100 * time.Millisecond // passes back to back
	done := make(chan error, 1)
	go func() { done <- a.runner.Run(ctx) }()

	waitFor(t, func() bool { return e.srv.RequestCount() > 0 })
	if _, err := a.wh.TerminateTenant(ctx, "acme", 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.Contains(logs.String(), "tenant terminated; its connector stops") })
	before := e.srv.RequestCount()
	time.Sleep(500 * time.Millisecond) // several intervals
	if after := e.srv.RequestCount(); after != before {
		t.Errorf("the fake CRM got %d requests after the termination, want none", after-before)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Run() = %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
