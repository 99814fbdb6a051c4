package main

import (
	"context"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/warehouse"
)

// TestEraseThenResyncStaysErased runs the pipeline against the fake
// HubSpot on PostgreSQL, erases one rep found by email through the
// identity vault, then replays the raw log and re-pulls everything from
// the CRM: the rep must not come back anywhere, the raw copies of its
// personal fields must be unreadable (shredded), and the receipt chain
// must verify.
func TestEraseThenResyncStaysErased(t *testing.T) {
	ds := hubspottest.Generate(5, hubspottest.Sizes{Owners: 4, Deals: 300, Contacts: 80})
	e := newEnv(t, ds, postgresWarehouse(t))
	a, _ := e.runOnce(t, appOptions{})
	ctx := context.Background()
	master, err := masterKey(a.cfg.Pseudonyms)
	if err != nil {
		t.Fatal(err)
	}
	subj, err := a.wh.Subjects(a.cat, master, a.cfg.Pseudonyms.KeyVersion)
	if err != nil {
		t.Fatal(err)
	}
	people, err := subj.People(ctx, "acme")
	if err != nil || len(people) != 4 {
		t.Fatalf("People = %d, %v; want the 4 owners in the vault", len(people), err)
	}
	victim := people[0]
	rc, err := subj.Erase(ctx, warehouse.Request{Tenant: "acme", Email: victim.Email})
	if err != nil || !rc.Verified {
		t.Fatalf("Erase = %+v, %v; want a verified receipt", rc, err)
	}
	a.Close()

	again := e.reset(t, []string{"DELETE FROM consumer_offsets", "DELETE FROM sync_cursors"})
	again.Close()
	b, _ := e.runOnce(t, appOptions{})
	if subj, err = b.wh.Subjects(b.cat, master, b.cfg.Pseudonyms.KeyVersion); err != nil {
		t.Fatal(err)
	}
	ex, err := subj.Export(ctx, warehouse.Request{Tenant: "acme", Email: victim.Email})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Held || !ex.Suppressed {
		t.Errorf("after resync, export of the erased rep = held %v (facts %d, rollups %d), suppressed %v; want nothing held, suppressed",
			ex.Held, len(ex.Facts), len(ex.Rollups), ex.Suppressed)
	}
	var keys int
	if err := b.wh.DB().QueryRowContext(ctx, b.wh.DB().Rebind("SELECT count(*) FROM subject_keys WHERE subject = ANY(string_to_array(?, ','))"),
		strings.Join(rc.Pseudonyms, ",")).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != 0 {
		t.Errorf("resync created %d data keys for the erased rep", keys)
	}
	if b.shredder.Shredded() == 0 {
		t.Errorf("replaying the raw log opened every message; want the erased rep's raw copies unreadable")
	}
	if others, _ := subj.People(ctx, "acme"); len(others) != 3 {
		t.Errorf("People after resync = %d, want the 3 other owners", len(others))
	}
	chain, err := subj.VerifyReceipts(ctx, "acme")
	if err != nil || !chain.OK() {
		t.Errorf("VerifyReceipts = %+v, %v", chain, err)
	}
}
