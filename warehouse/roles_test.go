package warehouse_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

var defaultRoles = warehouse.Roles{Reader: warehouse.DefaultReaderRole, Admin: warehouse.DefaultAdminRole}

// asRole runs a count query as role (SET LOCAL ROLE in a transaction
// that is rolled back) and returns the count or the error.
func asRole(t *testing.T, w *warehouse.Warehouse, role, query string) (int64, error) {
	t.Helper()
	tx, err := w.DB().BeginTx(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctxT(t), "SET LOCAL ROLE "+pq.QuoteIdentifier(role)); err != nil {
		t.Fatal(err)
	}
	var n int64
	err = tx.QueryRowContext(ctxT(t), query).Scan(&n)
	return n, err
}

func isPermissionDenied(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "42501"
}

// newestPartition returns the partition of table with the latest range.
func newestPartition(t *testing.T, w *warehouse.Warehouse, table string) string {
	t.Helper()
	ps, err := w.Partitions(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	name := ""
	for _, p := range ps {
		if p.Table == table {
			name = p.Name
		}
	}
	if name == "" {
		t.Fatalf("no partition of %s", table)
	}
	return name
}

// TestReaderAndAdminRoles applies the default roles on migrate and reads
// as each: the reader reads facts and rollups, through the parent and
// directly from a partition (also one created after the grants), and is
// denied the vault and every subject-rights table; the admin reads the
// vault, which holds ciphertext only. The grants are exactly Access.
func TestReaderAndAdminRoles(t *testing.T) {
	f := newSubjectFixtureWith(t, warehouse.Config{KPIs: allKPIs, Roles: defaultRoles})
	ctx := ctxT(t)
	if _, err := f.s.Erase(ctx, warehouse.Request{Tenant: "t1", SourceID: "c1", Object: "lead"}); err != nil {
		t.Fatal(err) // a receipt and a suppression row to be denied
	}
	reader, admin := defaultRoles.Reader, defaultRoles.Admin
	for _, q := range []string{"SELECT count(*) FROM deal_facts", "SELECT count(*) FROM " + warehouse.PublishedView, "SELECT count(*) FROM user_facts"} {
		if n, err := asRole(t, f.w, reader, q); err != nil || n == 0 {
			t.Errorf("as %s: %s = %d, %v; want rows", reader, q, n, err)
		}
	}
	var part string
	if err := f.w.DB().QueryRowContext(ctx, "SELECT tableoid::regclass::text FROM deal_facts LIMIT 1").Scan(&part); err != nil {
		t.Fatal(err)
	}
	if n, err := asRole(t, f.w, reader, "SELECT count(*) FROM "+part); err != nil || n == 0 {
		t.Errorf("as %s: direct read of partition %s = %d, %v; want its rows", reader, part, n, err)
	}
	for _, table := range []string{"identity_vault", "subject_keys", "suppressions", "erasure_receipts", "pseudonym_keys", "quarantine"} {
		if _, err := asRole(t, f.w, reader, "SELECT count(*) FROM "+table); !isPermissionDenied(err) {
			t.Errorf("as %s: reading %s = %v, want permission denied", reader, table, err)
		}
		if _, err := asRole(t, f.w, admin, "SELECT count(*) FROM "+table); err != nil {
			t.Errorf("as %s: reading %s = %v", admin, table, err)
		}
	}
	if n, err := asRole(t, f.w, admin, "SELECT count(*) FROM identity_vault WHERE position(convert_to('Lovelace', 'UTF8') in sealed) = 0 AND position(convert_to('Hopper', 'UTF8') in sealed) = 0"); err != nil || n != 2 {
		t.Errorf("as %s: vault rows without plaintext = %d, %v; want both rows, ciphertext only", admin, n, err)
	}

	// Partitions tally creates later carry the grants too.
	before := newestPartition(t, f.w, "deal_facts")
	warehouse.SetNow(f.w, func() time.Time { return time.Now().Add(3 * 365 * 24 * time.Hour) })
	if err := f.w.EnsurePartitionsAhead(ctx); err != nil {
		t.Fatal(err)
	}
	later := newestPartition(t, f.w, "deal_facts")
	if later == before {
		t.Fatalf("no new partition after moving the clock")
	}
	for _, role := range []string{reader, admin} {
		if _, err := asRole(t, f.w, role, "SELECT count(*) FROM "+later); err != nil {
			t.Errorf("as %s: direct read of the later partition %s = %v", role, later, err)
		}
	}

	// What is granted is exactly Access, for every registry table.
	for _, ra := range warehouse.Access(schemas.Default(), defaultRoles) {
		for _, table := range f.w.PurgeableTables() {
			var can bool
			if err := f.w.DB().QueryRowContext(ctx, "SELECT has_table_privilege($1, $2, 'SELECT')", ra.Role, table).Scan(&can); err != nil {
				t.Fatal(err)
			}
			if want := slices.Contains(ra.Tables, table); can != want {
				t.Errorf("%s may SELECT %s: %v, want %v (Access)", ra.Role, table, can, want)
			}
		}
	}
}

// TestApplyRolesRevokesHandGrants re-applies the roles after someone
// granted the reader the vault by hand: the grant is gone.
func TestApplyRolesRevokesHandGrants(t *testing.T) {
	w := warehousetest.OpenPostgres(t, warehouse.Config{KPIs: allKPIs, Roles: defaultRoles})
	ctx := ctxT(t)
	if _, err := w.Exec(ctx, "GRANT SELECT ON identity_vault TO "+defaultRoles.Reader); err != nil {
		t.Fatal(err)
	}
	rep, err := w.ApplyRoles(ctx)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("ApplyRoles = %+v, %v", rep, err)
	}
	if _, err := asRole(t, w, defaultRoles.Reader, "SELECT count(*) FROM identity_vault"); !isPermissionDenied(err) {
		t.Errorf("reader reads identity_vault after ApplyRoles: %v", err)
	}
}

func randomRole(t *testing.T, prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// dropRoles removes test roles (and their grants in this database) when
// the test ends.
func dropRoles(t *testing.T, dsn string, roles ...string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		w, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemas.Default(), nil)
		if err != nil {
			t.Error(err)
			return
		}
		defer w.Close()
		for _, r := range roles {
			for _, q := range []string{"DROP OWNED BY " + r, "DROP ROLE IF EXISTS " + r} {
				if _, err := w.Exec(ctx, q); err != nil {
					var dbErr *warehouse.DBError
					if !errors.As(err, &dbErr) || dbErr.Code != "42704" {
						t.Errorf("%s: %v", q, err)
					}
				}
			}
		}
	})
}

// TestApplyRolesConcurrently migrates four schemas at once with the same
// two new roles: every migrate succeeds, the roles are created once and
// each schema's grants are its own.
func TestApplyRolesConcurrently(t *testing.T) {
	r := warehouse.Roles{Reader: randomRole(t, "tally_t_reader_"), Admin: randomRole(t, "tally_t_admin_")}
	var whs []*warehouse.Warehouse
	for range 4 {
		dsn := warehousetest.PostgresDSN(t)
		w, err := warehouse.Open(ctxT(t), warehouse.Config{Driver: warehouse.Postgres, DSN: dsn, Roles: r}, schemas.Default(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		whs = append(whs, w)
	}
	dropRoles(t, warehousetest.PostgresDSN(t), r.Reader, r.Admin)
	var wg sync.WaitGroup
	errs := make([]error, len(whs))
	for i, w := range whs {
		wg.Go(func() { _, errs[i] = w.Migrate(ctxT(t)) })
	}
	wg.Wait()
	for i, w := range whs {
		if errs[i] != nil {
			t.Fatalf("Migrate %d: %v", i, errs[i])
		}
		if _, err := asRole(t, w, r.Reader, "SELECT count(*) FROM deal_facts"); err != nil {
			t.Errorf("schema %d: reader cannot read deal_facts: %v", i, err)
		}
		if _, err := asRole(t, w, r.Reader, "SELECT count(*) FROM identity_vault"); !isPermissionDenied(err) {
			t.Errorf("schema %d: reader reads identity_vault: %v", i, err)
		}
	}
}

// TestApplyRolesWithoutCreateRole migrates as a user that owns its
// schema but lacks CREATEROLE: Migrate succeeds and warns, naming the
// missing privilege, and ApplyRoles reports the same problem.
func TestApplyRolesWithoutCreateRole(t *testing.T) {
	dsn := warehousetest.PostgresDSN(t)
	ctx := ctxT(t)
	admin, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemas.Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	const migrator = "tally_test_migrator"
	if _, err := admin.Exec(ctx, "CREATE ROLE "+migrator+" LOGIN"); err != nil {
		var dbErr *warehouse.DBError
		if !errors.As(err, &dbErr) || (dbErr.Code != "42710" && dbErr.Code != "23505") {
			t.Fatal(err)
		}
	}
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("search_path")
	if _, err := admin.Exec(ctx, "GRANT ALL ON SCHEMA "+schema+" TO "+migrator); err != nil {
		t.Fatal(err)
	}
	u.User = url.User(migrator)
	r := warehouse.Roles{Reader: randomRole(t, "tally_t_never_")}
	var logs bytes.Buffer
	w, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: u.String(), Roles: r}, schemas.Default(),
		slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Migrate(ctx); err != nil {
		t.Fatalf("Migrate without CREATEROLE = %v; want success with a warning", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "CREATEROLE") {
		t.Errorf("Migrate logged %q; want a warning naming CREATEROLE", logs.String())
	}
	rep, err := w.ApplyRoles(ctx)
	if err != nil || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "CREATEROLE") || len(rep.Granted) != 0 {
		t.Errorf("ApplyRoles = %+v, %v; want one problem naming CREATEROLE and nothing granted", rep, err)
	}
	var n int
	if err := admin.DB().QueryRowContext(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = $1", r.Reader).Scan(&n); err != nil || n != 0 {
		t.Errorf("role %s exists (%d, %v); the migrator could not have created it", r.Reader, n, err)
	}
}

func TestRolesValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles warehouse.Roles
		want  string
	}{
		{"defaults", defaultRoles, ""},
		{"none", warehouse.Roles{}, ""},
		{"upper case", warehouse.Roles{Reader: "Analysts"}, "reader_role"},
		{"injection", warehouse.Roles{Admin: "x; DROP TABLE deal_facts"}, "admin_role"},
		{"reserved", warehouse.Roles{Reader: "pg_read_all_data"}, "reserved"},
		{"same", warehouse.Roles{Reader: "r", Admin: "r"}, "both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.roles.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate(%+v) = %v, want an error containing %q", tc.roles, err, tc.want)
			}
		})
	}
}
