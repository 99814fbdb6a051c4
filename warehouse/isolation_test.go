package warehouse_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/vault"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// isolationTenants are the two tenants of the isolation tests.
var isolationTenants = []string{"ta", "tb"}

// writeTenant writes, for tenant, a rep with a vault entry, two won
// deals (a rep KPI row of 2 records), five organic leads (a contact KPI
// row of 5 records), two paid leads (2 records), one activity (1
// record) and a quarantine entry; then erases one paid lead, leaving a
// receipt and a suppression.
func writeTenant(t *testing.T, w *warehouse.Warehouse, keys *pseudonymize.Keyring, tenant string, offset int64) {
	t.Helper()
	sealer, _ := vault.NewSealer(testMaster)
	st, err := vault.New(sealer, keys, schemas.Default(), []string{"identity_vault"})
	if err != nil {
		t.Fatal(err)
	}
	user := pipeline.Record{Tenant: tenant, Source: "hubspot", Object: "user", ID: "u1", Op: pipeline.OpUpsert,
		Version: version(1), Fields: map[string]any{"email": "rep@" + tenant + ".example", "first_name": "Rep", "last_name": "One"}}
	if err := st.Apply(&user); err != nil {
		t.Fatalf("vault stage: %v", err)
	}
	user.Key, user.ID = keys.Pseudonym(tenant, "user", "u1"), ""
	user.Fields = map[string]any{"is_active": true, "created_at": day(1)}
	owner := keys.Pseudonym(tenant, "user", "u1")
	recs := []pipeline.Record{user}
	for i := range 2 {
		f := wonDeal("won", 100)
		f["owner_id"] = owner
		r := upsert(keys.Pseudonym(tenant, "deal", fmt.Sprint("d", i)), 1, f)
		r.Tenant = tenant
		recs = append(recs, r)
	}
	lead := func(id, src string) pipeline.Record {
		return pipeline.Record{Tenant: tenant, Source: "hubspot", Object: "lead", Key: keys.Pseudonym(tenant, "lead", id),
			Op: pipeline.OpUpsert, Version: version(1), Fields: map[string]any{"owner_id": owner, "lead_source": src, "created_at": day(2)}}
	}
	for i := range 5 {
		recs = append(recs, lead(fmt.Sprint("organic", i), "ORGANIC"))
	}
	recs = append(recs, lead("paid0", "PAID"), lead("paid1", "PAID"),
		pipeline.Record{Tenant: tenant, Source: "hubspot", Object: "activity", Key: keys.Pseudonym(tenant, "activity", "a1"),
			Op: pipeline.OpUpsert, Version: version(1), Fields: map[string]any{"owner_id": owner, "type": "CALL", "occurred_at": day(2)}})
	if err := w.Write(ctxT(t), pipeline.Batch{Records: recs, Quarantine: []pipeline.Quarantined{{
		Tenant: tenant, Source: "hubspot", Object: "deal", Stage: "validate", Field: "amount", Rule: "range",
		Position: pipeline.Position{Topic: "raw", Offset: offset}, At: version(1)}}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	s, err := w.Subjects(schemas.Default(), testMaster, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Erase(ctxT(t), warehouse.Request{Tenant: tenant, SourceID: "paid1", Object: "lead"}); err != nil {
		t.Fatal(err)
	}
}

// loginAs opens a connection to dsn as user (trust authentication).
func loginAs(t *testing.T, dsn, user string) *sql.DB {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(user)
	db, err := sql.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// countAs counts rows of query as db's user; ok is false on permission
// denied.
func countAs(t *testing.T, db *sql.DB, query string, args ...any) (n int64, ok bool) {
	t.Helper()
	err := db.QueryRowContext(ctxT(t), query, args...).Scan(&n)
	if isPermissionDenied(err) {
		return 0, false
	}
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n, true
}

// TestTenantIsolationAsLoginUsers logs in as members of each role and
// reads: the reader of tenant ta reads no row of tb from any tenant
// table or partition named directly, reads ta's facts and published
// KPIs, and neither the vault nor the facts of contact-derived KPIs; the admin of ta reads ta's vault and not
// tb's; the all-tenant reader reads both tenants' facts and not the
// vault, the all-tenant admin both vaults. Small groups of contact KPIs
// are absent from the reader's view and present in the base table.
// Partitions created after the roles are protected too.
func TestTenantIsolationAsLoginUsers(t *testing.T) {
	dsn := warehousetest.PostgresDSN(t)
	ctx := ctxT(t)
	r := warehouse.Roles{Reader: randomRole(t, "tally_t_r"), Admin: randomRole(t, "tally_t_a"), Tenants: isolationTenants}
	w, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: dsn, KPIs: append(slices.Clone(allKPIs), "activities_logged"), Roles: r}, schemas.Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	onTestClock(w)
	users := map[string]string{} // what → LOGIN user
	var all []string
	for _, what := range []string{"reader_ta", "admin_ta", "reader", "admin"} {
		users[what] = randomRole(t, "tally_t_u")
		all = append(all, users[what])
	}
	all = append(all, r.Reader, r.Admin)
	for _, tenant := range isolationTenants {
		all = append(all, warehouse.TenantRole(r.Reader, tenant), warehouse.TenantRole(r.Admin, tenant))
	}
	dropRoles(t, dsn, all...)
	if _, err := w.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	keys, _ := pseudonymize.NewKeyring(testMaster, 1)
	for i, tenant := range isolationTenants {
		writeTenant(t, w, keys, tenant, int64(i))
	}
	for _, u := range users {
		if _, err := w.Exec(ctx, "CREATE ROLE "+u+" LOGIN"); err != nil {
			t.Fatal(err)
		}
	}
	for what, grant := range map[string]func() (string, error){
		"reader_ta": func() (string, error) { return w.GrantTenantRole(ctx, "ta", false, users["reader_ta"]) },
		"admin_ta":  func() (string, error) { return w.GrantTenantRole(ctx, "ta", true, users["admin_ta"]) },
	} {
		if _, err := grant(); err != nil {
			t.Fatalf("GrantTenantRole %s: %v", what, err)
		}
	}
	for _, q := range []string{"GRANT " + r.Reader + " TO " + users["reader"], "GRANT " + r.Admin + " TO " + users["admin"]} {
		if _, err := w.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}

	// A partition created later, by the writer, and a row of each tenant
	// in it (far-future close date, so the deal lands there).
	before := newestPartition(t, w, "deal_facts")
	future := time.Now().Add(3 * 365 * 24 * time.Hour).UTC().Truncate(24 * time.Hour)
	warehouse.SetNow(w, func() time.Time { return future })
	if err := w.EnsurePartitionsAhead(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tenant := range isolationTenants {
		f := wonDeal("won", 5)
		f["close_date"], f["created_at"] = future, future
		f["owner_id"] = keys.Pseudonym(tenant, "user", "u1")
		r := upsert(keys.Pseudonym(tenant, "deal", "late"), 1, f)
		r.Tenant = tenant
		write(t, w, r)
	}
	var later string
	if err := w.DB().QueryRowContext(ctx, "SELECT tableoid::regclass::text FROM deal_facts WHERE key = $1",
		keys.Pseudonym("ta", "deal", "late")).Scan(&later); err != nil {
		t.Fatal(err)
	}
	if later <= before || later == "deal_facts_pdefault" {
		t.Fatalf("the late deal is in partition %s, want one created after %s", later, before)
	}
	if n, ok := countAs(t, w.DB().DB, "SELECT count(*) FROM "+pq.QuoteIdentifier(later)); !ok || n != 2 {
		t.Fatalf("owner reads %d rows of the later partition %s, want 2", n, later)
	}

	// Every relation with a tenant column: tables and partitions.
	rows, err := w.DB().QueryContext(ctx, `SELECT c.relname, c.relrowsecurity FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant' AND NOT a.attisdropped
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for rows.Next() {
		var rel string
		var rls bool
		if err := rows.Scan(&rel, &rls); err != nil {
			t.Fatal(err)
		}
		if !rls {
			t.Errorf("%s has a tenant column and no row-level security", rel)
		}
		rels = append(rels, rel)
	}
	rows.Close()
	for _, want := range []string{"deal_facts", later, "lead_facts_pdefault", "kpi_daily", "identity_vault", "quarantine", "suppressions", "erasure_receipts"} {
		if !slices.Contains(rels, want) {
			t.Fatalf("tenant relations %v lack %s", rels, want)
		}
	}

	readerTA, adminTA := loginAs(t, dsn, users["reader_ta"]), loginAs(t, dsn, users["admin_ta"])
	reader, admin := loginAs(t, dsn, users["reader"]), loginAs(t, dsn, users["admin"])
	for _, rel := range rels {
		q := "SELECT count(*) FROM " + pq.QuoteIdentifier(rel) + " WHERE tenant <> 'ta'"
		for _, db := range []struct {
			name string
			db   *sql.DB
		}{{"reader of ta", readerTA}, {"admin of ta", adminTA}} {
			if n, _ := countAs(t, db.db, q); n != 0 {
				t.Errorf("%s reads %d rows of another tenant from %s", db.name, n, rel)
			}
		}
	}

	type read struct {
		db    *sql.DB
		who   string
		query string
		want  int64 // -1: permission denied
	}
	ownFacts := "SELECT count(*) FROM deal_facts WHERE tenant = $1"
	vault := "SELECT count(*) FROM identity_vault WHERE tenant = $1"
	for _, c := range []struct {
		read
		tenant string
	}{
		{read{readerTA, "reader of ta", ownFacts, 3}, "ta"},
		{read{readerTA, "reader of ta", "SELECT count(*) FROM " + pq.QuoteIdentifier(later) + " WHERE tenant = $1", 1}, "ta"},
		{read{readerTA, "reader of ta", ownFacts, 0}, "tb"},
		{read{readerTA, "reader of ta", vault, -1}, "ta"},
		{read{readerTA, "reader of ta", "SELECT count(*) FROM kpi_daily WHERE tenant = $1", -1}, "ta"},
		{read{readerTA, "reader of ta", "SELECT count(*) FROM lead_facts WHERE tenant = $1", -1}, "ta"},
		{read{reader, "all-tenant reader", "SELECT count(*) FROM activity_facts WHERE tenant = $1", -1}, "ta"},
		{read{adminTA, "admin of ta", "SELECT count(*) FROM lead_facts WHERE tenant = $1", 6}, "ta"},
		{read{adminTA, "admin of ta", vault, 1}, "ta"},
		{read{adminTA, "admin of ta", vault, 0}, "tb"},
		{read{adminTA, "admin of ta", "SELECT count(*) FROM kpi_daily WHERE tenant = $1", 0}, "tb"},
		{read{reader, "all-tenant reader", ownFacts, 3}, "ta"},
		{read{reader, "all-tenant reader", ownFacts, 3}, "tb"},
		{read{reader, "all-tenant reader", vault, -1}, "tb"},
		{read{admin, "all-tenant admin", vault, 1}, "ta"},
		{read{admin, "all-tenant admin", vault, 1}, "tb"},
	} {
		n, ok := countAs(t, c.db, c.query, c.tenant)
		switch {
		case c.want < 0 && ok:
			t.Errorf("%s: %s (tenant %s) = %d rows, want permission denied", c.who, c.query, c.tenant, n)
		case c.want >= 0 && (!ok || n != c.want):
			t.Errorf("%s: %s (tenant %s) = %d, allowed %v; want %d", c.who, c.query, c.tenant, n, ok, c.want)
		}
	}

	// Small groups: k = 5 (the default). Organic leads (5) and the deals
	// (2, a rep KPI) are published; paid leads (1 after the erasure) and
	// the activity (1) are not, and stay in the base table.
	published := func(db *sql.DB, tenant, metric string) int64 {
		n, ok := countAs(t, db, "SELECT count(*) FROM "+warehouse.PublishedView+" WHERE tenant = $1 AND metric = $2", tenant, metric)
		if !ok {
			t.Fatalf("reading %s: permission denied", warehouse.PublishedView)
		}
		return n
	}
	base := func(tenant, metric string, small bool) int64 {
		q := "SELECT count(*) FROM kpi_daily WHERE tenant = $1 AND metric = $2"
		if small {
			q += " AND n < 5"
		}
		n, _ := countAs(t, w.DB().DB, q, tenant, metric)
		return n
	}
	if n := base("ta", "leads_created", true); n != 1 {
		t.Fatalf("base table holds %d small leads_created rows of ta, want 1 (the paid lead)", n)
	}
	if n := base("ta", "activities_logged", true); n != 1 {
		t.Fatalf("base table holds %d small activities_logged rows of ta, want 1", n)
	}
	for _, db := range []*sql.DB{readerTA, reader} {
		if n, _ := countAs(t, db, "SELECT count(*) FROM "+warehouse.PublishedView+" WHERE metric = ANY($1) AND n < 5",
			pq.Array(warehouse.ContactKPIs(schemas.Default()))); n != 0 {
			t.Errorf("a reader sees %d small-group rows of contact KPIs", n)
		}
		if n := published(db, "ta", "leads_created"); n != 1 {
			t.Errorf("a reader sees %d leads_created rows of ta, want 1 (organic, 5 leads)", n)
		}
		if n, want := published(db, "ta", "deals_won"), base("ta", "deals_won", false); n != want || n == 0 {
			t.Errorf("a reader sees %d deals_won rows of ta, want all %d (rep KPIs are not suppressed)", n, want)
		}
	}
	if n := published(readerTA, "tb", "deals_won"); n != 0 {
		t.Errorf("the reader of ta sees %d deals_won rows of tb in %s", n, warehouse.PublishedView)
	}
	if n := published(reader, "tb", "deals_won"); n == 0 {
		t.Errorf("the all-tenant reader sees no deals_won rows of tb in %s", warehouse.PublishedView)
	}
}

// TestRolesGrantNeedsTenantRole refuses an unconfigured tenant and a
// user that does not exist, naming neither the user nor a value.
func TestRolesGrantNeedsTenantRole(t *testing.T) {
	r := warehouse.Roles{Reader: randomRole(t, "tally_t_r"), Admin: randomRole(t, "tally_t_a"), Tenants: []string{"ta"}}
	dropRoles(t, warehousetest.PostgresDSN(t), r.Reader, r.Admin, warehouse.TenantRole(r.Reader, "ta"), warehouse.TenantRole(r.Admin, "ta"))
	w := warehousetest.OpenPostgres(t, warehouse.Config{KPIs: allKPIs, Roles: r})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := w.GrantTenantRole(ctx, "tb", false, "someone"); err == nil {
		t.Error("granting a role of an unconfigured tenant succeeded")
	}
	_, err := w.GrantTenantRole(ctx, "ta", true, "nobody_"+randomRole(t, ""))
	if err == nil || !errors.Is(err, warehouse.ErrNoSuchRole) {
		t.Errorf("granting to a missing user = %v, want ErrNoSuchRole", err)
	}
}
