package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// poisonSource emits one page: three good deals, one whose close date
// is in year 300000 and one with a 1.5 MB stage. No deal has created_at.
type poisonSource struct{}

func (poisonSource) Objects() []string          { return []string{"deal"} }
func (poisonSource) Open(context.Context) error { return nil }
func (poisonSource) Close() error               { return nil }

func (poisonSource) Sync(ctx context.Context, _, cursor string, emit pipeline.Emitter) error {
	if cursor != "" {
		return nil
	}
	day := time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)
	deal := func(id string) pipeline.Record {
		return pipeline.Record{ID: id, Op: pipeline.OpUpsert, Version: day, Fields: map[string]any{
			"owner_id": "u1", "is_won": true, "is_closed": true, "amount": 100.5, "currency": "EUR", "close_date": day, "stage": "won"}}
	}
	recs := []pipeline.Record{deal("d1"), deal("d2"), deal("d-far"), deal("d3"), deal("d-huge")}
	recs[2].Fields["close_date"] = time.UnixMilli(9_404_784_000_000_000) // year 300000
	recs[4].Fields["stage"] = strings.Repeat("é", 750_000)               // 1.5 MB
	return emit.Emit(ctx, recs, "page-1")
}

// TestPoisonRecordsAreQuarantinedAtPublish: a page with a far date and a
// 1.5 MB value loads its good records; the two others become quarantine
// rows with field and rule; the summary line counts them; --once exits 5
// over quarantine.max_share and 0 under it.
func TestPoisonRecordsAreQuarantinedAtPublish(t *testing.T) {
	for _, wh := range []struct {
		name string
		yaml func(*testing.T) string
	}{{"sqlite", sqliteWarehouse}, {"postgres", postgresWarehouse}} {
		t.Run(wh.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			logs := &pipelinetest.LogBuffer{}
			a := sourceApp(t, wh.yaml(t), "", logs, pipeline.Binding{Tenant: "acme", Name: "poison", Source: poisonSource{}})
			cfg := a.cfg
			rep, err := a.runner.RunOnceReport(ctx)
			if err != nil {
				t.Fatalf("RunOnceReport() = %v", err)
			}

			var facts int
			if err := a.wh.DB().GetContext(ctx, &facts, "SELECT count(*) FROM deal_facts"); err != nil {
				t.Fatal(err)
			}
			if facts != 3 {
				t.Errorf("deal_facts holds %d rows, want the 3 good deals", facts)
			}
			var rows []string
			if err := a.wh.DB().SelectContext(ctx, &rows,
				"SELECT stage || ' ' || field || ' ' || rule FROM quarantine WHERE source = 'poison' ORDER BY field"); err != nil {
				t.Fatal(err)
			}
			if want := []string{"emit close_date range", "emit stage size"}; fmt.Sprint(rows) != fmt.Sprint(want) {
				t.Errorf("quarantine rows = %q, want %q", rows, want)
			}

			if len(rep.Streams) != 1 {
				t.Fatalf("report has %d streams, want 1", len(rep.Streams))
			}
			s := rep.Streams[0]
			if s.Pulled != 5 || s.Written != 3 || s.Quarantined != 2 || s.Stopped() {
				t.Errorf("report = %+v, want 5 pulled, 3 written, 2 quarantined, not stopped", s)
			}
			summary := logLine(t, logs.String(), "sync pass summary")
			for k, want := range map[string]any{"level": "WARN", "tenant": "acme", "connector": "poison", "object": "deal",
				"pulled": 5.0, "written": 3.0, "deleted": 0.0, "quarantined": 2.0, "quarantine": "close_date/range=1 stage/size=1", "stopped": false} {
				if summary[k] != want {
					t.Errorf("summary %s = %v, want %v", k, summary[k], want)
				}
			}
			missing := logLine(t, logs.String(), "a projected property had no value")
			if missing["field"] != "created_at" || !strings.Contains(fmt.Sprint(missing["kpis"]), "pipeline_created") {
				t.Errorf("missing-property warning = %v, want created_at feeding pipeline_created", missing)
			}
			if strings.Contains(logs.String(), "éééé") || strings.Contains(logs.String(), "300000-") {
				t.Error("the logs hold a poison value")
			}

			err = onceOutcome(rep, nil, cfg.Quarantine.MaxShare, discardLogger())
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != exitQuarantined {
				t.Fatalf("onceOutcome(max_share %g) = %v, want exit %d", cfg.Quarantine.MaxShare, err, exitQuarantined)
			}
			for _, want := range []string{"acme/poison/deal", "2 of 5", "close_date/range=1 stage/size=1", "quarantine.max_share"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("exit error %q lacks %q", err, want)
				}
			}
			if err := onceOutcome(rep, nil, 0.5, discardLogger()); err != nil {
				t.Errorf("onceOutcome(max_share 0.5) = %v, want nil (exit 0)", err)
			}
		})
	}
}

// logLine returns the first JSON log line with message msg (a prefix).
func logLine(t *testing.T, logs, msg string) map[string]any {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && strings.HasPrefix(fmt.Sprint(m["msg"]), msg) {
			return m
		}
	}
	t.Fatalf("no log line %q in:\n%s", msg, tail(logs, 3000))
	return nil
}

// runOnceCLI runs `tally run --once` on the fake HubSpot of opts with
// extra options and configuration, and returns the exit code and stderr.
func runOnceCLI(t *testing.T, ds *hubspottest.Dataset, opts hubspottest.Options, options, extra string) (int, string) {
	t.Helper()
	opts.Token = testToken
	srv := hubspottest.NewServer(ds, opts)
	t.Cleanup(srv.Close)
	t.Setenv("TALLY_TEST_HUBSPOT_TOKEN", testToken)
	e := writeConfig(t, "hubspot", fmt.Sprintf("base_url: %q\ntoken: ${TALLY_TEST_HUBSPOT_TOKEN}\nsearch_lag: 0s\n%s", srv.URL(), options), sqliteWarehouse(t))
	appendConfig(t, e.cfgPath, extra)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"run", "--once", "--config", e.cfgPath}, &out, &errb)
	return code, errb.String()
}

// TestRunOnceExitCodes: `tally run --once` exits 4 when a stream's source
// fails, 5 when a stream quarantines more than quarantine.max_share, 0
// otherwise; every stream gets its summary line.
func TestRunOnceExitCodes(t *testing.T) {
	poisoned := func() *hubspottest.Dataset {
		ds := hubspottest.Generate(3, hubspottest.Sizes{Owners: 2, Deals: 5, Contacts: 5})
		ds.SetProperty("deals", ds.ID("deal", 2), "amount", "12,5 EUR")
		return ds
	}
	for _, tc := range []struct {
		name           string
		ds             *hubspottest.Dataset
		opts           hubspottest.Options
		options, extra string
		code           int
		stderr         []string
	}{
		{"clean", hubspottest.Generate(3, hubspottest.Sizes{Owners: 2, Deals: 5, Contacts: 5}), hubspottest.Options{}, "", "", exitOK,
			[]string{`"msg":"sync pass summary"`, `"object":"deal"`, `"pulled":5`}},
		{"source fails", hubspottest.Generate(3, hubspottest.Sizes{Owners: 2, Deals: 5, Contacts: 5}), hubspottest.Options{FailEvery: 1},
			"max_retries: 0", "", exitStopped, []string{"stream(s) stopped before their pass completed", `"stopped":true`}},
		{"quarantine over max_share", poisoned(), hubspottest.Options{}, "", "", exitQuarantined,
			[]string{"acme/hubspot/deal quarantined 1 of 5", "amount/", "quarantine.max_share (1%)"}},
		{"quarantine under max_share", poisoned(), hubspottest.Options{}, "", "quarantine:\n  max_share: 0.5\n", exitOK,
			[]string{`"quarantined":1`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stderr := runOnceCLI(t, tc.ds, tc.opts, tc.options, tc.extra)
			if code != tc.code {
				t.Fatalf("run --once exited %d, want %d; stderr:\n%s", code, tc.code, tail(stderr, 3000))
			}
			for _, want := range tc.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, tail(stderr, 3000))
				}
			}
			if strings.Contains(stderr, "12,5 EUR") {
				t.Error("stderr holds a record value")
			}
		})
	}
}

// bigSource emits one page of four deals, one with a 300 kB stage: under
// tally's limit, over the broker's.
type bigSource struct{ poisonSource }

func (bigSource) Sync(ctx context.Context, _, cursor string, emit pipeline.Emitter) error {
	if cursor != "" {
		return nil
	}
	day := time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)
	var recs []pipeline.Record
	for _, id := range []string{"d1", "d2", "d-big", "d3"} {
		recs = append(recs, pipeline.Record{ID: id, Op: pipeline.OpUpsert, Version: day, Fields: map[string]any{
			"owner_id": "u1", "is_won": true, "amount": 1.0, "currency": "EUR", "close_date": day, "stage": "won"}})
	}
	recs[2].Fields["stage"] = strings.Repeat("s", 300_000)
	return emit.Emit(ctx, recs, "page-1")
}

// TestBrokerRefusalIsQuarantined: a broker whose message.max.bytes is
// below tally's limit refuses a record that passed Preflight; the page
// is published in halves, that record is quarantined (stage emit, field
// stage, rule size), and the rest of the page and its checkpoint load.
func TestBrokerRefusalIsQuarantined(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{"message.max.bytes": "100000"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	a := sourceApp(t, sqliteWarehouse(t), fmt.Sprintf("kafka:\n  brokers: [%q]\n", c.ListenAddrs()[0]),
		&pipelinetest.LogBuffer{}, pipeline.Binding{Tenant: "acme", Name: "big", Source: bigSource{}})
	rep, err := a.runner.RunOnceReport(ctx)
	if err != nil || len(rep.Streams) != 1 {
		t.Fatalf("RunOnceReport() = %+v, %v", rep, err)
	}
	s := rep.Streams[0]
	if s.Stopped() || s.Pulled != 4 || s.Written != 3 || s.Quarantined != 1 || s.Quarantine[pipeline.QuarantineKey{Stage: "emit", Field: "stage", Rule: "size"}] != 1 {
		t.Errorf("report = %+v, want 4 pulled, 3 written, 1 quarantined as emit/stage/size", s)
	}
	var facts int
	if err := a.wh.DB().GetContext(ctx, &facts, "SELECT count(*) FROM deal_facts"); err != nil || facts != 3 {
		t.Errorf("deal_facts holds %d rows (%v), want 3", facts, err)
	}
	cursor, err := a.wh.Cursor(ctx, pipeline.Stream{Tenant: "acme", Source: "big", Object: "deal"}, 1)
	if err != nil || cursor != "page-1" {
		t.Errorf("stored cursor = %q, %v; want the page's checkpoint", cursor, err)
	}
}

func appendConfig(t *testing.T, path, yaml string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(yaml); err != nil {
		t.Fatal(err)
	}
}

// sourceApp wires an app from a configuration (warehouse YAML and extra
// top-level YAML) whose runner pulls from binding instead of the
// configured connector, logging JSON to logs.
func sourceApp(t *testing.T, warehouse, extra string, logs *pipelinetest.LogBuffer, binding pipeline.Binding) *app {
	t.Helper()
	t.Setenv("TALLY_TEST_HUBSPOT_TOKEN", testToken)
	e := writeConfig(t, "hubspot", "base_url: http://127.0.0.1:1\ntoken: ${TALLY_TEST_HUBSPOT_TOKEN}", warehouse)
	appendConfig(t, e.cfgPath, extra)
	reg := newRegistry()
	cfg, err := loadConfig(e.cfgPath, reg, schemasDefault())
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, reg, slog.New(slog.NewJSONHandler(logs, nil)), appOptions{inMemoryKafka: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.runner.Bindings = []pipeline.Binding{binding}
	return a
}

// TestRunLogsPassSummary: `tally run` (not --once) ends each pass with
// the same summary line, after the pass's drain.
func TestRunLogsPassSummary(t *testing.T) {
	logs := &pipelinetest.LogBuffer{}
	a := sourceApp(t, sqliteWarehouse(t), "", logs, pipeline.Binding{Tenant: "acme", Name: "poison", Source: poisonSource{}})
	a.runner.Interval = time.Hour // one pass; the drain waits for the commit
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.runner.Run(ctx) }()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(logs.String(), "sync pass summary") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run() = %v", err)
	}
	summary := logLine(t, logs.String(), "sync pass summary")
	for k, want := range map[string]any{"level": "WARN", "connector": "poison", "pulled": 5.0, "written": 3.0,
		"quarantined": 2.0, "quarantine": "close_date/range=1 stage/size=1"} {
		if summary[k] != want {
			t.Errorf("summary %s = %v, want %v", k, summary[k], want)
		}
	}
}
