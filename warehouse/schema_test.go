package warehouse_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// columns returns table → column names of the warehouse.
func columns(t *testing.T, w *warehouse.Warehouse) map[string][]string {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`
	if w.Driver() == warehouse.Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := w.DB().QueryContext(ctxT(t), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		out[table] = append(out[table], col)
	}
	for _, cols := range out {
		sort.Strings(cols)
	}
	return out
}

func TestFactTablesMatchSchemas(t *testing.T) {
	cat := schemas.Default()
	dialects(t, warehouse.Config{}, func(t *testing.T, w *warehouse.Warehouse) {
		got := columns(t, w)
		for _, table := range warehouse.Tables(cat) {
			if _, ok := got[table]; !ok {
				t.Errorf("table %s is missing", table)
			}
		}
		for _, name := range cat.Objects() {
			o, _ := cat.Object(name)
			want := append([]string{"tenant", "key", "source", "version", "written_at", "expires_at"}, warehouse.FactColumns(o)...)
			for _, f := range o.Fields {
				if f.Stored() && f.Name != "id" && !contains(strings.Join(want, " "), f.Name) {
					t.Errorf("stored field %s.%s has no column", name, f.Name)
				}
			}
			sort.Strings(want)
			if diff := cmp.Diff(want, got[warehouse.FactTable(name)]); diff != "" {
				t.Errorf("columns of %s (-want +got):\n%s", warehouse.FactTable(name), diff)
			}
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	dialects(t, warehouse.Config{}, func(t *testing.T, w *warehouse.Warehouse) {
		applied, err := w.Migrate(ctxT(t))
		if err != nil || len(applied) != 0 {
			t.Errorf("second Migrate() = %v, %v; want nothing applied", applied, err)
		}
		var versions []int
		if err := w.DB().SelectContext(ctxT(t), &versions, "SELECT version FROM schema_migrations ORDER BY version"); err != nil {
			t.Fatal(err)
		}
		if len(versions) == 0 || versions[0] != 1 {
			t.Errorf("schema_migrations versions = %v, want 1...", versions)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   warehouse.Config
		wants []string
	}{
		{"sqlite ok", warehouse.Config{Driver: "sqlite", Path: "x.db"}, nil},
		{"postgres ok", warehouse.Config{Driver: "postgres", DSN: "postgres://u:secretpw@h/db"}, nil},
		{"everything wrong", warehouse.Config{Driver: "mysql", FactTTL: -1, KPITTL: -1, KPIs: []string{"a", "a", ""}},
			[]string{"driver", "fact_ttl", "kpi_ttl", "kpi a listed twice", "empty kpi"}},
		{"postgres without dsn", warehouse.Config{Driver: "postgres", Path: "x"}, []string{"dsn is required", "path is only"}},
		{"sqlite without path", warehouse.Config{Driver: "sqlite", DSN: "postgres://u:secretpw@h/db"}, []string{"path is required", "dsn is only"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != (tc.wants == nil) {
				t.Fatalf("Validate() = %v, want problems %v", err, tc.wants)
			}
			for _, w := range tc.wants {
				if !contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to mention %q", err, w)
				}
			}
			if err != nil && contains(err.Error(), "secretpw") {
				t.Errorf("Validate() = %q echoes the DSN", err)
			}
			if err != nil && len(tc.wants) > 1 && len(strings.Split(err.Error(), "\n")) < len(tc.wants) {
				t.Errorf("Validate() reported %q, want every problem at once", err)
			}
		})
	}
}

func TestOpenErrorsHideTheDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://user:secretpw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2",
		"host=127.0.0.1 port=1 password=secretpw sslmode=disable connect_timeout=2",
		"postgres://user:secretpw@127.0.0.1:1/db?sslmode=bogus",
		"password='secretpw",
	} {
		_, err := warehouse.Open(ctxT(t), warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemas.Default(), nil)
		if err == nil {
			t.Errorf("Open(unreachable) = nil error")
			continue
		}
		if contains(err.Error(), "secretpw") {
			t.Errorf("Open() error %q echoes the password", err)
		}
	}
	if _, err := warehouse.Open(ctxT(t), warehouse.Config{Driver: warehouse.SQLite, Path: "x.db", KPIs: []string{"nope"}}, schemas.Default(), nil); err == nil {
		t.Error("Open(unknown kpi) = nil error")
	}
}

func TestConcurrentMigrateAppliesOnce(t *testing.T) {
	dsn := warehousetest.PostgresDSN(t)
	var ws []*warehouse.Warehouse
	for range 3 {
		w, err := warehouse.Open(ctxT(t), warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemas.Default(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		ws = append(ws, w)
	}
	results := make(chan []int, len(ws))
	errs := make(chan error, len(ws))
	for _, w := range ws {
		go func() {
			applied, err := w.Migrate(ctxT(t))
			results <- applied
			errs <- err
		}()
	}
	total := 0
	for range ws {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
		total += len(<-results)
	}
	var want int // every embedded migration, each once
	if err := ws[0].DB().GetContext(ctxT(t), &want, "SELECT count(*) FROM schema_migrations"); err != nil {
		t.Fatal(err)
	}
	if total != want || want < 2 {
		t.Errorf("concurrent Migrates applied %d migrations in total, want %d", total, want)
	}
}
