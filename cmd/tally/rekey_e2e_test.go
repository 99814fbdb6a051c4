package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/warehouse"
)

// TestRekeyThenResync runs the pipeline against the fake HubSpot on
// PostgreSQL under k1, then `tally keys rotate --rekey`: refused (exit 3)
// while a pipeline holds the writer lock, then run in batches. Every
// stored pseudonym is k2 and the rollups are those before with the reps
// renamed. A new sync of the same records (raw log replayed and
// everything re-pulled from the CRM) changes nothing, an edit in the CRM
// updates the same fact, and an erase by email finds the rep through the
// chain.
func TestRekeyThenResync(t *testing.T) {
	ds := hubspottest.Generate(13, hubspottest.Sizes{Owners: 5, Deals: 400, Contacts: 100})
	e := newEnv(t, ds, postgresWarehouse(t))
	a, _ := e.runOnce(t, appOptions{})
	ctx := context.Background()
	master, err := masterKey(a.cfg.Pseudonyms)
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := pseudonymize.NewKeyring(master, 2)
	if err := k2.Chain("acme", map[int]int{2: 1}); err != nil {
		t.Fatal(err)
	}
	before, err := a.wh.KPIRows(ctx, "acme")
	if err != nil || len(before) == 0 {
		t.Fatalf("KPIRows = %d rows, %v", len(before), err)
	}
	deals := count(t, a.wh, "SELECT count(*) FROM deal_facts")

	rekey := func() (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, []string{"keys", "rotate", "--tenant", "acme", "--rekey", "--batch-size", "64", "--config", e.cfgPath}, &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, _, stderr := rekey(); code != exitLocked || !strings.Contains(stderr, "tally run") {
		t.Fatalf("rekey while a pipeline runs exited %d (%s); want %d naming tally run", code, stderr, exitLocked)
	}
	a.Close()
	code, stdout, stderr := rekey()
	if code != exitOK || !strings.Contains(stdout, "rekeyed k1 -> k2") {
		t.Fatalf("rekey exited %d: %s%s", code, stdout, stderr)
	}

	var list bytes.Buffer
	if code := run(ctx, []string{"keys", "list", "--tenant", "acme", "--config", e.cfgPath}, &list, &list); code != exitOK {
		t.Fatalf("keys list exited %d: %s", code, list.String())
	}
	lines := map[string][]string{}
	for _, line := range strings.Split(list.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			lines[f[0]] = f
		}
	}
	if k2 := lines["k2"]; len(k2) < 5 || k2[1] != "true" || k2[4] != "k1" {
		t.Errorf("keys list: k2 = %v; want current, rekeyed from k1\n%s", k2, list.String())
	}
	if k1 := lines["k1"]; len(k1) < 4 || k1[2] == "-" || k1[3] != "0" {
		t.Errorf("keys list: k1 = %v; want retired, no rows\n%s", k1, list.String())
	}

	r := e.reset(t, nil)
	if n := count(t, r.wh, "SELECT count(*) FROM deal_facts WHERE substr(key, 1, 3) <> 'k2_' OR substr(owner_id, 1, 3) <> 'k2_'"); n != 0 {
		t.Errorf("%d deals still hold a pseudonym that is not k2", n)
	}
	after, err := r.wh.KPIRows(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		before[i].Rep = k2.Rekey("acme", before[i].Rep, 2)
	}
	sortKPI := func(rows []warehouse.KPIRow) {
		slices.SortFunc(rows, func(x, y warehouse.KPIRow) int {
			return strings.Compare(x.Day+x.Rep+x.Metric+x.Currency+x.Dimension, y.Day+y.Rep+y.Metric+y.Currency+y.Dimension)
		})
	}
	sortKPI(before)
	sortKPI(after)
	if !slices.Equal(before, after) {
		t.Errorf("rollups after the rekey differ from those before with reps renamed")
	}
	want := dump(t, r, "quarantine")
	r.Close()

	// The same records again: raw log replayed, everything re-pulled.
	e.reset(t, []string{"DELETE FROM consumer_offsets", "DELETE FROM sync_cursors"}).Close()
	b, _ := e.runOnce(t, appOptions{})
	if got := dump(t, b, "quarantine"); got != want {
		t.Errorf("a new sync after the rekey changed the warehouse:\n%s", diffLines(want, got))
	}
	var consumed int64
	for _, s := range b.stats.Snapshot() {
		consumed += s.Consumed
	}
	if consumed < int64(deals) {
		t.Errorf("the new sync consumed %d records, want at least the %d deals (no replay happened)", consumed, deals)
	}
	if n := b.shredder.Shredded(); n != 0 {
		t.Errorf("replaying k1-sealed raw messages after the rekey dropped %d as shredded; their keys were renamed, not erased", n)
	}
	b.Close()

	// An edit in the CRM updates the fact under its k2 key.
	id := ds.ID("deals", 0)
	ds.SetProperty("deals", id, "amount", "4242")
	ds.Touch("deals", id, time.Now())
	c, _ := e.runOnce(t, appOptions{})
	if n := count(t, c.wh, "SELECT count(*) FROM deal_facts"); n != deals {
		t.Errorf("%d deals after the edit, want %d (no duplicate)", n, deals)
	}
	var amount float64
	if err := c.wh.DB().QueryRowContext(ctx, "SELECT amount FROM deal_facts WHERE key = $1", k2.Pseudonym("acme", "deal", id)).Scan(&amount); err != nil || amount != 4242 {
		t.Errorf("edited deal under its k2 key: amount %v, %v; want 4242", amount, err)
	}

	subj, err := c.wh.Subjects(c.cat, master, c.cfg.Pseudonyms.KeyVersion)
	if err != nil {
		t.Fatal(err)
	}
	email := ds.Properties("owners", ds.ID("owners", 1))["email"]
	rc, err := subj.Erase(ctx, warehouse.Request{Tenant: "acme", Email: email})
	if err != nil || !rc.Verified {
		t.Fatalf("Erase after rekey = %+v, %v", rc, err)
	}
	var facts int64
	for _, tc := range rc.Removed {
		if strings.HasSuffix(tc.Table, "_facts") {
			facts += tc.Rows
		}
	}
	if facts == 0 {
		t.Errorf("Erase after rekey removed no facts of the rep: %+v", rc.Removed)
	}
	ex, err := subj.Export(ctx, warehouse.Request{Tenant: "acme", Email: email})
	if err != nil || ex.Held {
		t.Errorf("export after erase = held %v, %v", ex.Held, err)
	}
}

func count(t *testing.T, w *warehouse.Warehouse, q string) int {
	t.Helper()
	var n int
	if err := w.DB().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRunRefusesUnfinishedRekey leaves the warehouse as a rekey killed
// after creating its version leaves it: tally run refuses to start
// (pseudonymizing under k2 while k1 rows remain would split records),
// and re-running `keys rotate --rekey` resumes and finishes it.
func TestRunRefusesUnfinishedRekey(t *testing.T) {
	ds := hubspottest.Generate(17, hubspottest.Sizes{Owners: 3, Deals: 60, Contacts: 20})
	e := newEnv(t, ds, postgresWarehouse(t))
	a, _ := e.runOnce(t, appOptions{})
	ctx := context.Background()
	if _, err := a.wh.Exec(ctx, `INSERT INTO pseudonym_keys (tenant, version, parent, created_at, expires_at)
		VALUES ('acme', 1, NULL, now(), now() + interval '1 year'), ('acme', 2, 1, now(), now() + interval '1 year')`); err != nil {
		t.Fatal(err)
	}
	a.Close()
	cfg, err := loadConfig(e.cfgPath, newRegistry(), schemasDefault())
	if err != nil {
		t.Fatal(err)
	}
	b, err := newApp(ctx, cfg, newRegistry(), discardLogger(), appOptions{inMemoryKafka: true})
	if b != nil {
		b.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "--rekey") {
		t.Fatalf("newApp with an unfinished rekey = %v; want a refusal naming keys rotate --rekey", err)
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"keys", "rotate", "--tenant", "acme", "--rekey", "--config", e.cfgPath}, &out, &errb); code != exitOK ||
		!strings.Contains(out.String(), "finished the interrupted rekey k1 -> k2") {
		t.Fatalf("resuming rekey exited %d: %s%s", code, out.String(), errb.String())
	}
	c, _ := e.runOnce(t, appOptions{})
	if n := count(t, c.wh, "SELECT count(*) FROM deal_facts WHERE substr(key, 1, 3) <> 'k2_'"); n != 0 {
		t.Errorf("%d deals not under k2 after the resumed rekey and a new pass", n)
	}
}
