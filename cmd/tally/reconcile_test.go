package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// sfEnv is a fake Salesforce org and a configuration pulling it into
// PostgreSQL.
type sfEnv struct {
	*env
	ds  *salesforcetest.Dataset
	srv *salesforcetest.Server
}

func newSalesforceEnv(t *testing.T, reconcile string) *sfEnv {
	t.Helper()
	ds := salesforcetest.Generate(7, salesforcetest.Sizes{Users: 5, Opportunities: 300, Leads: 20, Tasks: 20, Events: 10})
	srv := salesforcetest.NewServer(ds, salesforcetest.Options{ClientID: "tally-test", ClientSecret: "sf-secret-0a1b2c", DailyLimit: 1_000_000})
	t.Cleanup(srv.Close)
	t.Setenv("TALLY_TEST_SF_SECRET", "sf-secret-0a1b2c")
	e := writeConfig(t, "salesforce", fmt.Sprintf("login_url: %q\nclient_id: tally-test\nclient_secret: ${TALLY_TEST_SF_SECRET}\npage_size: 200", srv.URL()),
		postgresWarehouse(t))
	if reconcile != "" {
		b, err := os.ReadFile(e.cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte("- kind: salesforce\n"), []byte("- kind: salesforce\n        reconcile: "+reconcile+"\n"), 1)
		if err := os.WriteFile(e.cfgPath, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return &sfEnv{env: e, ds: ds, srv: srv}
}

// openApp wires the configuration in-process; the app is closed at
// cleanup.
func (e *sfEnv) openApp(t *testing.T, logs *pipelinetest.LogBuffer) *app {
	t.Helper()
	cfg, err := loadConfig(e.cfgPath, newRegistry(), schemasDefault())
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, newRegistry(), newTestLogger(logs), appOptions{})
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// sync runs one pass in an app of its own and closes it.
func (e *sfEnv) sync(t *testing.T) {
	t.Helper()
	a := e.openApp(t, &pipelinetest.LogBuffer{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := a.runner.RunOnce(ctx); err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	a.Close()
}

// dealKeys returns the keys of the stored deals.
func dealKeys(t *testing.T, a *app) []string {
	t.Helper()
	var keys []string
	if err := a.wh.DB().Select(&keys, "SELECT key FROM deal_facts ORDER BY key"); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// pseudonyms returns the deal keys of Salesforce ids, as tally stores them.
func pseudonyms(t *testing.T, object string, ids ...string) []string {
	t.Helper()
	k, err := pseudonymize.NewKeyring([]byte(strings.Repeat("test-master-key-", 4)), 1)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, id := range ids {
		out = append(out, k.Pseudonym("acme", object, id))
	}
	slices.Sort(out)
	return out
}

// reconcileCLI runs `tally reconcile` and returns its reports and logs.
func (e *sfEnv) reconcileCLI(t *testing.T, args ...string) ([]pipeline.ReconcileReport, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args = append([]string{"reconcile", "--config", e.cfgPath, "--connector", "salesforce", "--json"}, args...)
	if code := run(ctx, args, &stdout, &stderr); code != exitOK {
		t.Fatalf("tally %v = exit %d\n%s", args, code, tail(stderr.String(), 3000))
	}
	var reports []pipeline.ReconcileReport
	if err := json.Unmarshal(stdout.Bytes(), &reports); err != nil {
		t.Fatalf("reports: %v\n%s", err, stdout.String())
	}
	return reports, stderr.String()
}

func report(reports []pipeline.ReconcileReport, object string) pipeline.ReconcileReport {
	for _, r := range reports {
		if r.Object == object {
			return r
		}
	}
	return pipeline.ReconcileReport{}
}

// TestReconcileDeletesHardDeletedFacts: after k opportunities and a task
// are hard-deleted at the source, a dry run counts them and changes
// nothing, a reconcile deletes exactly their facts (rollups still equal
// the facts), a second one finds nothing, and no Salesforce id or
// personal value reaches a log line, the SQL log included.
func TestReconcileDeletesHardDeletedFacts(t *testing.T) {
	e := newSalesforceEnv(t, "")
	e.sync(t)
	gone := []string{e.ds.ID(salesforcetest.Opportunity, 3), e.ds.ID(salesforcetest.Opportunity, 150),
		e.ds.ID(salesforcetest.Opportunity, 151), e.ds.ID(salesforcetest.Opportunity, 299)}
	for _, id := range gone {
		e.ds.HardDelete(id)
	}
	e.ds.HardDelete(e.ds.ID(salesforcetest.Task, 4))
	a := e.openApp(t, &pipelinetest.LogBuffer{})
	before, beforeDump := dealKeys(t, a), dump(t, a)
	if len(before) != 300 {
		t.Fatalf("synced %d deals, want 300", len(before))
	}

	dry, dryLogs := e.reconcileCLI(t, "--dry-run")
	if r := report(dry, "deal"); r.Stored != 300 || r.Listed != 296 || r.Missing != 4 || r.Deleted != 0 || !r.DryRun {
		t.Errorf("dry run deal report = %+v, want 300 stored, 296 listed, 4 missing, 0 deleted", r)
	}
	if after := dump(t, a); after != beforeDump {
		t.Errorf("a dry run changed the warehouse:\n%s", diffLines(beforeDump, after))
	}

	reports, logs := e.reconcileCLI(t)
	if r := report(reports, "deal"); r.Missing != 4 || r.Deleted != 4 {
		t.Errorf("deal report = %+v, want 4 missing and deleted", r)
	}
	if r := report(reports, "activity"); r.Stored != 30 || r.Missing != 1 || r.Deleted != 1 {
		t.Errorf("activity report = %+v, want 30 stored, 1 missing and deleted", r)
	}
	if r := report(reports, "user"); r.Missing != 0 {
		t.Errorf("user report = %+v, want nothing missing", r)
	}
	after := dealKeys(t, a)
	removed := slices.DeleteFunc(slices.Clone(before), func(k string) bool { return slices.Contains(after, k) })
	if want := pseudonyms(t, "deal", gone...); !slices.Equal(removed, want) || len(after) != 296 {
		t.Errorf("reconcile removed deals %v (%d left), want exactly the hard-deleted %v (296 left)", removed, len(after), want)
	}
	warehousetest.AssertRollupsMatchFacts(t, a.wh, a.cfg.EnabledKPIs(a.cat))

	again, _ := e.reconcileCLI(t)
	for _, r := range again {
		if r.Missing != 0 || r.Deleted != 0 {
			t.Errorf("second reconcile of %s = %+v, want nothing missing", r.Object, r)
		}
	}
	all := dryLogs + logs
	if !strings.Contains(all, "reconcile done") {
		t.Fatal("no reconcile log line; the privacy check below would prove nothing")
	}
	for _, id := range append(gone, e.ds.ID(salesforcetest.Opportunity, 10), e.ds.ID(salesforcetest.User, 1)) {
		if strings.Contains(all, id) || strings.Contains(all, id[:15]) {
			t.Errorf("Salesforce id %s found in the logs", id)
		}
	}
	for _, v := range e.ds.PersonalValues() {
		if len(v) >= 5 && strings.Contains(all, v) {
			t.Errorf("personal value %q found in the logs", v)
		}
	}
}

// hookSink runs before when the reconcile reads the stored keys.
type hookSink struct {
	pipeline.Sink
	before func()
}

func (h hookSink) StoredKeys(ctx context.Context, s pipeline.Stream, fn func([]string) error) error {
	if s.Object == "deal" {
		h.before()
	}
	return h.Sink.(pipeline.KeyLister).StoredKeys(ctx, s, fn)
}

// hookSource runs after when the reconcile has listed the source's ids.
type hookSource struct {
	pipeline.Source
	after func()
}

func (h hookSource) ListIDs(ctx context.Context, object string, fn func([]string) error) error {
	err := h.Source.(pipeline.IDLister).ListIDs(ctx, object, fn)
	if object == "deal" {
		h.after()
	}
	return err
}

// TestReconcileKeepsRecordsCreatedMeanwhile: a record created (and its
// fact committed, as another process could) just before the snapshot,
// or after the listing, is not deleted; only the hard delete is.
func TestReconcileKeepsRecordsCreatedMeanwhile(t *testing.T) {
	e := newSalesforceEnv(t, "")
	e.sync(t)
	gone := e.ds.ID(salesforcetest.Opportunity, 42)
	e.ds.HardDelete(gone)
	a := e.openApp(t, &pipelinetest.LogBuffer{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var created []string
	// create adds an opportunity at the source and commits its fact.
	create := func() {
		id := e.ds.Create(salesforcetest.Opportunity, time.Now())
		created = append(created, id)
		rec := pipeline.Record{Tenant: "acme", Source: "salesforce", Object: "deal", ID: id, Op: pipeline.OpUpsert,
			Version: time.Now().UTC(), Fields: map[string]any{"stage": "Prospecting"}}
		if _, err := pipeline.Chain(a.runner.Stages, &rec); err != nil {
			t.Errorf("stages: %v", err)
			return
		}
		if err := a.wh.Write(ctx, pipeline.Batch{Records: []pipeline.Record{rec}}); err != nil {
			t.Errorf("writing the new fact: %v", err)
		}
	}
	a.runner.Sink = hookSink{Sink: a.wh, before: create}
	a.runner.Bindings[0].Source = hookSource{Source: a.runner.Bindings[0].Source, after: create}

	reports, err := a.runner.ReconcileOnce(ctx, pipeline.ReconcileOptions{})
	if err != nil {
		t.Fatalf("ReconcileOnce = %v", err)
	}
	if r := report(reports, "deal"); r.Stored != 301 || r.Missing != 1 || r.Deleted != 1 {
		t.Errorf("deal report = %+v, want 301 stored (one created before the snapshot), 1 missing and deleted", r)
	}
	keys := dealKeys(t, a)
	for i, k := range pseudonyms(t, "deal", created...) {
		if !slices.Contains(keys, k) {
			t.Errorf("the fact of the record created %s was deleted", []string{"before the snapshot", "after the listing"}[i])
		}
	}
	if slices.Contains(keys, pseudonyms(t, "deal", gone)[0]) || len(keys) != 301 {
		t.Errorf("%d deals left, want 301 without the hard-deleted one", len(keys))
	}
	warehousetest.AssertRollupsMatchFacts(t, a.wh, a.cfg.EnabledKPIs(a.cat))
}

// TestRunReconcilesOnSchedule: `tally run` reconciles a connector on its
// reconcile schedule between sync passes, and stops it on shutdown.
func TestRunReconcilesOnSchedule(t *testing.T) {
	e := newSalesforceEnv(t, `"@every 1s"`)
	logs := &pipelinetest.LogBuffer{}
	a := e.openApp(t, logs)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	recon, err := startReconcileScheduler(ctx, a.cfg, a.runner, a.logger)
	if err != nil || recon == nil {
		t.Fatalf("startReconcileScheduler = %v, %v; want a scheduler", recon, err)
	}
	done := make(chan error, 1)
	go func() { done <- a.runner.Run(ctx) }()
	count := func() int {
		var n int
		if err := a.wh.DB().Get(&n, "SELECT count(*) FROM deal_facts"); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, func() bool { return count() == 300 })
	e.ds.HardDelete(e.ds.ID(salesforcetest.Opportunity, 7))
	e.ds.HardDelete(e.ds.ID(salesforcetest.Opportunity, 8))
	waitFor(t, func() bool { return count() == 298 })
	// A whole reconcile after the deletes: none finds anything more.
	done0 := strings.Count(logs.String(), "scheduled reconcile done")
	waitFor(t, func() bool { return strings.Count(logs.String(), "scheduled reconcile done") > done0+1 })
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Run() = %v", err)
	}
	recon.Stop()
	if n := count(); n != 298 {
		t.Errorf("%d deals left, want 298", n)
	}
	warehousetest.AssertRollupsMatchFacts(t, a.wh, a.cfg.EnabledKPIs(a.cat))
}

// TestReconcileScheduleProblems: a malformed schedule and a schedule on
// a kind that cannot list ids are validation problems with their line.
func TestReconcileScheduleProblems(t *testing.T) {
	e := newSalesforceEnv(t, `"every day"`)
	_, err := loadConfig(e.cfgPath, newRegistry(), schemasDefault())
	if err == nil || !strings.Contains(err.Error(), "line 6: tenants[0].connectors[0].reconcile") {
		t.Errorf("loadConfig(reconcile: every day) = %v, want a problem at line 6 (the reconcile key)", err)
	}
	h := newEnv(t, hubspottest.Generate(1, hubspottest.Sizes{Owners: 1, Deals: 1}), sqliteWarehouse(t))
	b, _ := os.ReadFile(h.cfgPath)
	os.WriteFile(h.cfgPath, bytes.Replace(b, []byte("- kind: hubspot\n"), []byte("- kind: hubspot\n        reconcile: \"@daily\"\n"), 1), 0o600)
	if _, err := loadConfig(h.cfgPath, newRegistry(), schemasDefault()); err == nil || !strings.Contains(err.Error(), "cannot list its ids") {
		t.Errorf("loadConfig(hubspot with reconcile) = %v, want a problem", err)
	}
}
