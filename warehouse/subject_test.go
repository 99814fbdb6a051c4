package warehouse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/suppress"
	"github.com/tally-dev/tally/transforms/vault"
	"github.com/tally-dev/tally/warehouse"
)

var testMaster = []byte("0123456789abcdef0123456789abcdef-subject-tests")

// subjectFixture is a warehouse holding two reps (u1 with a vault entry
// and deals, u2 with deals) and a contact c1.
type subjectFixture struct {
	w    *warehouse.Warehouse
	s    *warehouse.Subjects
	keys *pseudonymize.Keyring
}

func newSubjectFixture(t *testing.T) *subjectFixture {
	t.Helper()
	return newSubjectFixtureWith(t, warehouse.Config{KPIs: allKPIs})
}

// newSubjectFixtureWith is newSubjectFixture on a warehouse of cfg.
func newSubjectFixtureWith(t *testing.T, cfg warehouse.Config) *subjectFixture {
	t.Helper()
	w := openPostgresOrSkip(t, cfg)
	s, err := w.Subjects(schemas.Default(), testMaster, 1)
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := pseudonymize.NewKeyring(testMaster, 1)
	f := &subjectFixture{w: w, s: s, keys: keys}
	f.writeUser(t, keys, "u1", "Ada.Lovelace@Example.com", "Ada", "Lovelace")
	f.writeUser(t, keys, "u2", "grace@example.com", "Grace", "Hopper")
	write(t, w,
		f.deal(keys, "d1", "u1", 100), f.deal(keys, "d2", "u1", 200), f.deal(keys, "d3", "u2", 300),
		pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "lead", Key: keys.Pseudonym("t1", "lead", "c1"),
			Op: pipeline.OpUpsert, Version: version(1), Fields: map[string]any{
				"owner_id": keys.Pseudonym("t1", "user", "u2"), "lead_source": "ORGANIC", "created_at": day(2)}})
	assertConsistent(t, w, allKPIs)
	return f
}

// writeUser runs a raw owner record through the vault stage as the
// pipeline does, then writes its minimized fact.
func (f *subjectFixture) writeUser(t *testing.T, keys *pseudonymize.Keyring, id, email, first, last string) {
	t.Helper()
	sealer, _ := vault.NewSealer(testMaster)
	st, err := vault.New(sealer, keys, schemas.Default(), []string{"identity_vault"})
	if err != nil {
		t.Fatal(err)
	}
	r := pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "user", ID: id, Op: pipeline.OpUpsert,
		Version: version(1), Fields: map[string]any{"email": email, "first_name": first, "last_name": last}}
	if err := st.Apply(&r); err != nil {
		t.Fatalf("vault stage: %v", err)
	}
	r.Key, r.ID = keys.Pseudonym("t1", "user", id), ""
	r.Fields = map[string]any{"is_active": true, "created_at": day(1)}
	write(t, f.w, r)
}

func (f *subjectFixture) deal(keys *pseudonymize.Keyring, id, owner string, amount float64) pipeline.Record {
	fields := wonDeal("won", amount)
	fields["owner_id"] = keys.Pseudonym("t1", "user", owner)
	return upsert(keys.Pseudonym("t1", "deal", id), 1, fields)
}

func TestVaultDumpShowsNoPlaintext(t *testing.T) {
	f := newSubjectFixture(t)
	d := dump(t, f.w)
	for _, v := range []string{"Ada", "Lovelace", "ada.lovelace", "Example.com", "grace@", "Hopper", "u1", "u2"} {
		if strings.Contains(d, v) {
			t.Errorf("warehouse dump contains %q; the vault must hold ciphertext only", v)
		}
	}
	people, err := f.s.People(ctxT(t), "t1")
	if err != nil {
		t.Fatal(err)
	}
	if len(people) != 2 {
		t.Fatalf("People = %d entries, want 2", len(people))
	}
	found := false
	for _, p := range people {
		found = found || (p.Email == "Ada.Lovelace@Example.com" && p.Rep == f.keys.Pseudonym("t1", "user", "u1"))
	}
	if !found {
		t.Errorf("People = %+v, want u1's rep pseudonym with its email", people)
	}
}

func TestEraseRepByEmail(t *testing.T) {
	f := newSubjectFixture(t)
	ctx := ctxT(t)
	rep := f.keys.Pseudonym("t1", "user", "u1")
	rc, err := f.s.Erase(ctx, warehouse.Request{Tenant: "t1", Email: " ada.lovelace@example.COM "})
	if err != nil {
		t.Fatalf("Erase: %v", err)
	}
	if !rc.Verified {
		t.Fatalf("receipt not verified: %+v", rc.Verification)
	}
	removed := map[string]int64{}
	for _, c := range rc.Removed {
		removed[c.Table] = c.Rows
	}
	for table, want := range map[string]int64{"deal_facts": 2, "user_facts": 1, "identity_vault": 1, "lead_facts": 0} {
		if removed[table] != want {
			t.Errorf("removed[%s] = %d, want %d", table, removed[table], want)
		}
	}
	if removed["kpi_daily"] == 0 {
		t.Errorf("removed[kpi_daily] = 0, want the rep's rollup rows")
	}
	d := dump(t, f.w)
	if got, want := strings.Count(d, rep), receiptMentions(t, f, rep); got > 2*want {
		t.Errorf("rep pseudonym appears %d times in the dump, want only in the receipt (%d)", got, 2*want)
	}
	for _, table := range []string{"deal_facts", "user_facts", "kpi_daily", "identity_vault"} {
		col := map[string]string{"deal_facts": "owner_id", "user_facts": "key", "kpi_daily": "rep", "identity_vault": "rep"}[table]
		var n int
		if err := f.w.DB().QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE "+col+" = $1", rep).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s still has %d rows of the erased rep", table, n)
		}
	}
	// "ada" alone also occurs in random hex (receipt ids), so look for the rest of the address.
	if strings.Contains(strings.ToLower(d), "lovelace") {
		t.Errorf("dump mentions the email")
	}
	assertConsistent(t, f.w, allKPIs)
	// u2's deal and the contact stay.
	if got := len(dealStages(t, f.w)); got != 1 {
		t.Errorf("deals left = %d, want 1", got)
	}
	sup, err := f.w.Suppressions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := suppress.NewTokens(testMaster)
	if !sup.Has("t1", tokens.Token("t1", "user", "u1")) {
		t.Errorf("u1 is not suppressed after erase")
	}
	rep2, err := f.s.VerifyReceipts(ctx, "t1")
	if err != nil || !rep2.OK() || rep2.Receipts != 1 {
		t.Errorf("VerifyReceipts = %+v, %v; want 1 receipt, no problems", rep2, err)
	}
}

// receiptMentions counts the pseudonym's occurrences inside receipts,
// the only place an erased subject's pseudonym may remain.
func receiptMentions(t *testing.T, f *subjectFixture, p string) int {
	t.Helper()
	rcs, err := f.s.Receipts(ctxT(t), "t1")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rc := range rcs {
		for _, q := range rc.Pseudonyms {
			if q == p {
				n++
			}
		}
	}
	return n
}

func TestEraseContactBySourceID(t *testing.T) {
	f := newSubjectFixture(t)
	rc, err := f.s.Erase(ctxT(t), warehouse.Request{Tenant: "t1", SourceID: "c1", Object: "lead"})
	if err != nil {
		t.Fatalf("Erase: %v", err)
	}
	for _, c := range rc.Removed {
		if c.Table == "lead_facts" && c.Rows != 1 {
			t.Errorf("removed lead_facts = %d, want 1", c.Rows)
		}
	}
	if !rc.Verified {
		t.Errorf("receipt not verified")
	}
	assertConsistent(t, f.w, allKPIs)
}

func TestExport(t *testing.T) {
	f := newSubjectFixture(t)
	ctx := ctxT(t)
	ex, err := f.s.Export(ctx, warehouse.Request{Tenant: "t1", Email: "ada.lovelace@example.com"})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if !ex.Held || len(ex.Identity) != 1 || ex.Identity[0].LastName != "Lovelace" {
		t.Errorf("Export(rep).Identity = %+v, held %v; want u1's vault entry", ex.Identity, ex.Held)
	}
	if got := len(ex.Facts["deal_facts"]); got != 2 {
		t.Errorf("Export(rep) deal facts = %d, want 2", got)
	}
	if len(ex.Rollups) == 0 {
		t.Errorf("Export(rep) has no KPI history")
	}
	contact, err := f.s.Export(ctx, warehouse.Request{Tenant: "t1", Email: "someone@customer.example"})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	if contact.Held || contact.Note != warehouse.NothingHeld {
		t.Errorf("Export(contact email) = held %v, note %q; want nothing held", contact.Held, contact.Note)
	}
}

func TestReceiptTamperingIsDetected(t *testing.T) {
	cases := []struct {
		name string
		sql  string
	}{
		{"edited", "UPDATE erasure_receipts SET body = replace(body, '\"by\":\"source_id\"', '\"by\":\"email\"') WHERE seq = 2"},
		{"counts changed", "UPDATE erasure_receipts SET body = regexp_replace(body, '\"rows\":[0-9]+', '\"rows\":7') WHERE seq = 1"},
		{"middle removed", "DELETE FROM erasure_receipts WHERE seq = 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newSubjectFixture(t)
			ctx := ctxT(t)
			for _, r := range []warehouse.Request{
				{Tenant: "t1", Email: "ada.lovelace@example.com"},
				{Tenant: "t1", SourceID: "c1", Object: "lead"},
				{Tenant: "t1", Email: "grace@example.com"},
			} {
				if _, err := f.s.Erase(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
			if rep, _ := f.s.VerifyReceipts(ctx, "t1"); !rep.OK() {
				t.Fatalf("chain broken before tampering: %+v", rep.Problems)
			}
			if _, err := f.w.Exec(ctx, tc.sql); err != nil {
				t.Fatal(err)
			}
			rep, err := f.s.VerifyReceipts(ctx, "t1")
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Errorf("VerifyReceipts after %s = OK, want problems", tc.name)
			}
		})
	}
}

func TestEraseFindsOldKeyVersionsAfterRotation(t *testing.T) {
	f := newSubjectFixture(t)
	ctx := ctxT(t)
	v, err := f.w.RotateKey(ctx, "t1", 1)
	if err != nil || v != 2 {
		t.Fatalf("RotateKey = %d, %v; want 2", v, err)
	}
	cur, _ := f.w.CurrentVersion(ctx, "t1", 1)
	if cur != 2 {
		t.Fatalf("CurrentVersion = %d, want 2", cur)
	}
	k2, _ := pseudonymize.NewKeyring(testMaster, cur)
	newDeal := f.deal(k2, "d9", "u2", 900)
	if !strings.HasPrefix(newDeal.Key, "k2_") || !strings.HasPrefix(newDeal.Fields["owner_id"].(string), "k2_") {
		t.Fatalf("new pseudonyms %s, want version k2", newDeal.Key)
	}
	newDeal.Version = version(5)
	write(t, f.w, newDeal)
	rc, err := f.s.Erase(ctx, warehouse.Request{Tenant: "t1", SourceID: "u2", Object: "user"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rc.Removed {
		if c.Table == "deal_facts" && c.Rows != 2 {
			t.Errorf("removed deal_facts = %d, want 2 (one per key version)", c.Rows)
		}
	}
	assertConsistent(t, f.w, allKPIs)
	// After erasing u1 too, no row references k1 except receipts: k1 retires.
	if _, err := f.s.Erase(ctx, warehouse.Request{Tenant: "t1", Email: "ada.lovelace@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.w.Exec(ctx, "DELETE FROM lead_facts"); err != nil {
		t.Fatal(err)
	}
	retired, err := f.s.RetireKeys(ctx, "t1")
	if err != nil || len(retired) != 1 || retired[0] != 1 {
		t.Errorf("RetireKeys = %v, %v; want [1]", retired, err)
	}
}

func TestShreddedRawRecordIsUnreadableAfterErase(t *testing.T) {
	f := newSubjectFixture(t)
	ctx := ctxT(t)
	sh := f.s.Shredder(f.keys)
	recs := []pipeline.Record{{Tenant: "t1", Source: "hubspot", Object: "user", ID: "u1", Op: pipeline.OpUpsert,
		Version: version(1), Fields: map[string]any{"email": "ada@example.com", "is_active": true}}}
	if err := sh.Seal(ctx, recs); err != nil {
		t.Fatal(err)
	}
	sealed := recs[0].Fields["email"].(string)
	if strings.Contains(sealed, "@example.com") || recs[0].Fields["is_active"] != true {
		t.Fatalf("Seal left %q / changed non-personal fields", sealed)
	}
	raw := pipeline.Record{Tenant: "t1", Object: "user", ID: "u1", Fields: map[string]any{"email": sealed}}
	readable := raw
	readable.Fields = map[string]any{"email": sealed}
	if err := f.s.Shredder(f.keys).Open(ctx, &readable); err != nil || readable.Fields["email"] != "ada@example.com" {
		t.Fatalf("Open before erase = %v, %v", readable.Fields["email"], err)
	}
	if _, err := f.s.Erase(ctx, warehouse.Request{Tenant: "t1", SourceID: "u1", Object: "user"}); err != nil {
		t.Fatal(err)
	}
	fresh := f.s.Shredder(f.keys)
	err := fresh.Open(ctx, &raw)
	if !errors.Is(err, pipeline.ErrDrop) {
		t.Errorf("Open after erase = %v, want ErrDrop", err)
	}
	if fresh.Shredded() != 1 {
		t.Errorf("Shredded = %d, want 1", fresh.Shredded())
	}
}
