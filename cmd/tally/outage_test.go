package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline/kafka"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

const outageDeals = 20000

// startOnce wires the configuration at cfgPath like `tally run --once`
// (default outage limit) and runs it in the background; the channel
// receives RunOnce's error.
func startOnce(t *testing.T, cfgPath string, opts appOptions) (*app, *pipelinetest.LogBuffer, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	reg := newRegistry()
	cfg, err := loadConfig(cfgPath, reg, schemasDefault())
	if err != nil {
		t.Fatalf("loading config: %v", err)
	}
	logs := &pipelinetest.LogBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := newApp(ctx, cfg, reg, logger, opts)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	done := make(chan error, 1)
	go func() { done <- a.runner.RunOnce(ctx) }()
	return a, logs, done
}

// waitLoaded polls w until at least n deals are committed; it fails the
// test if the run ends first, which would prove nothing.
func waitLoaded(t *testing.T, w *warehouse.Warehouse, n int64, done <-chan error) int64 {
	t.Helper()
	for {
		counts, err := w.Counts(context.Background())
		if err == nil && counts["deal_facts"] >= n {
			if counts["deal_facts"] >= outageDeals {
				t.Fatalf("every deal was loaded before the outage; the test proves nothing")
			}
			return counts["deal_facts"]
		}
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) before %d deals were loaded", err, n)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func hubspotOptions(url string) string {
	return fmt.Sprintf("base_url: %q\ntoken: ${TALLY_TEST_HUBSPOT_TOKEN}\nsearch_lag: 0s", url)
}

// TestPostgresOutageMidSync stops the warehouse's PostgreSQL for 30
// seconds in the middle of a `run --once` and starts it again: the run
// rides the outage out, logs its start and end once, and leaves the
// warehouse equal to an uninterrupted run's.
func TestPostgresOutageMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("stops a PostgreSQL server for 30 s")
	}
	pg := warehousetest.StartCluster(t)
	pg.CreateDatabase("ref")
	pg.CreateDatabase("outage")
	ds := hubspottest.Generate(33, hubspottest.Sizes{Owners: 20, Deals: outageDeals, Contacts: 500})
	srv := hubspottest.NewServer(ds, hubspottest.Options{Token: testToken})
	t.Cleanup(srv.Close)
	t.Setenv("TALLY_TEST_HUBSPOT_TOKEN", testToken)
	t.Setenv("TALLY_TEST_PG_REF", pg.DSN("ref"))
	t.Setenv("TALLY_TEST_PG_OUTAGE", pg.DSN("outage"))

	ref := writeConfig(t, "hubspot", hubspotOptions(srv.URL()), "  driver: postgres\n  dsn: ${TALLY_TEST_PG_REF}")
	refApp, _ := ref.runOnce(t, appOptions{inMemoryKafka: true})

	run := writeConfig(t, "hubspot", hubspotOptions(srv.URL()), "  driver: postgres\n  dsn: ${TALLY_TEST_PG_OUTAGE}")
	a, logs, done := startOnce(t, run.cfgPath, appOptions{inMemoryKafka: true})
	at := waitLoaded(t, a.wh, outageDeals/10, done)
	pg.Stop()
	t.Logf("PostgreSQL stopped with %d of %d deals loaded", at, outageDeals)
	select {
	case err := <-done:
		t.Fatalf("the run ended during the outage: %v", err)
	case <-time.After(30 * time.Second):
	}
	pg.Start()
	if err := <-done; err != nil {
		t.Fatalf("RunOnce after the outage: %v\n%s", err, tail(logs.String(), 3000))
	}
	out := logs.String()
	logOutageLines(t, out)
	if n := strings.Count(out, `"msg":"warehouse unreachable; retrying with backoff"`); n != 1 {
		t.Errorf("%d outage start lines, want 1:\n%s", n, tail(out, 3000))
	}
	if n := strings.Count(out, `"msg":"warehouse reachable again"`); n != 1 {
		t.Errorf("%d outage end lines, want 1:\n%s", n, tail(out, 3000))
	}
	want, got := dump(t, refApp), dump(t, a)
	if got != want {
		t.Fatalf("warehouse after the outage differs from an uninterrupted run:\n%s", diffLines(want, got))
	}
	if !strings.Contains(want, fmt.Sprintf("== deal_facts (%d rows)", outageDeals)) {
		t.Fatalf("reference run did not load %d deals:\n%.300s", outageDeals, want)
	}
}

// TestBrokerRestartMidSync restarts the embedded Kafka broker (same port,
// same data directory) in the middle of a `run --once`: the consumer
// rejoins, the run finishes, and the warehouse equals an uninterrupted
// run's.
func TestBrokerRestartMidSync(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a broker mid-sync")
	}
	ds := hubspottest.Generate(34, hubspottest.Sizes{Owners: 20, Deals: outageDeals, Contacts: 500})
	srv := hubspottest.NewServer(ds, hubspottest.Options{Token: testToken})
	t.Cleanup(srv.Close)
	t.Setenv("TALLY_TEST_HUBSPOT_TOKEN", testToken)
	t.Setenv("TALLY_TEST_PG_REF", warehousetest.PostgresDSN(t))
	t.Setenv("TALLY_TEST_PG_RESTART", warehousetest.PostgresDSN(t))

	ref := writeConfig(t, "hubspot", hubspotOptions(srv.URL()), "  driver: postgres\n  dsn: ${TALLY_TEST_PG_REF}")
	refApp, _ := ref.runOnce(t, appOptions{inMemoryKafka: true})

	run := writeConfig(t, "hubspot", hubspotOptions(srv.URL()), "  driver: postgres\n  dsn: ${TALLY_TEST_PG_RESTART}")
	a, logs, done := startOnce(t, run.cfgPath, appOptions{})
	at := waitLoaded(t, a.wh, outageDeals/10, done)
	addr := a.embedded.Addrs()[0]
	var port int
	if _, err := fmt.Sscanf(addr[strings.LastIndex(addr, ":")+1:], "%d", &port); err != nil {
		t.Fatal(err)
	}
	a.embedded.Close()
	emb, err := kafka.StartEmbedded(kafka.EmbeddedOptions{DataDir: a.cfg.DataDir + "/kafka", Port: port})
	if err != nil {
		t.Fatalf("restarting the broker: %v", err)
	}
	a.embedded = emb
	t.Logf("broker restarted with %d of %d deals loaded", at, outageDeals)
	if err := <-done; err != nil {
		t.Fatalf("RunOnce after the broker restart: %v\n%s", err, tail(logs.String(), 3000))
	}
	logOutageLines(t, logs.String())
	want, got := dump(t, refApp), dump(t, a)
	if got != want {
		t.Fatalf("warehouse after the broker restart differs from an uninterrupted run:\n%s", diffLines(want, got))
	}
}

// logOutageLines shows what the run logged about the outage.
func logOutageLines(t *testing.T, logs string) {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "consumer") || strings.Contains(l, "reachable") {
			t.Log(l)
		}
	}
}

// TestRunOnceWaitsForTheWarehouseAtStart starts `run --once` while its
// PostgreSQL is down, then starts the server: the run waits for it and
// completes.
func TestRunOnceWaitsForTheWarehouseAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server")
	}
	pg := warehousetest.StartCluster(t)
	pg.Stop()
	t.Setenv("TALLY_TEST_PG_LATE", pg.DSN("postgres"))
	e := newEnv(t, hubspottest.Generate(35, hubspottest.Sizes{Owners: 3, Deals: 50, Contacts: 10}),
		"  driver: postgres\n  dsn: ${TALLY_TEST_PG_LATE}")
	out := &pipelinetest.LogBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(context.Background(), []string{"run", "--once", "--config", e.cfgPath}, out, out) }()
	for !strings.Contains(out.String(), "warehouse unreachable at start") {
		select {
		case code := <-done:
			t.Fatalf("run --once exited %d without waiting for the warehouse:\n%s", code, out)
		case <-time.After(10 * time.Millisecond):
		}
	}
	pg.Start()
	if code := <-done; code != exitOK {
		t.Fatalf("run --once exited %d after the warehouse came up:\n%s", code, tail(out.String(), 3000))
	}
	if !strings.Contains(out.String(), "warehouse reachable") {
		t.Errorf("no line says the warehouse became reachable:\n%s", tail(out.String(), 3000))
	}
}
