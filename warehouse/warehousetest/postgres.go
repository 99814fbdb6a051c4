package warehousetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
)

// EnvDSN names the environment variable holding the PostgreSQL test DSN.
const EnvDSN = "TALLY_PG_DSN"

var createdDBs sync.Map // database name → struct{}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// PostgresDSN returns a DSN for an empty schema of its own, created for
// the test in the database named by TALLY_PG_DSN (a URL such as
// postgres://postgres@127.0.0.1:5432/tally_test?sslmode=disable) and
// dropped when the test ends. The database is created if missing. When
// the variable is unset or the server unreachable the test is skipped,
// or fails when CI=true.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		unavailable(t, EnvDSN+" is not set")
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", EnvDSN)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	if !identifier.MatchString(dbName) {
		t.Fatalf("%s: database name must be a plain identifier", EnvDSN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, done := createdDBs.Load(dbName); !done {
		admin := *u
		admin.Path = "/postgres"
		if err := createDatabase(ctx, admin.String(), dbName); err != nil {
			unavailable(t, "cannot reach PostgreSQL: "+err.Error())
		}
		createdDBs.Store(dbName, struct{}{})
	}
	w := open(ctx, t, dsn)
	schema := "t_" + randomHex(8)
	if _, err := w.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		w.Close()
		t.Fatalf("creating test schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := w.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping test schema: %v", err)
		}
		w.Close()
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func unavailable(t testing.TB, why string) {
	t.Helper()
	msg := why + "; set " + EnvDSN + "=postgres://postgres@127.0.0.1:5432/tally_test?sslmode=disable to run PostgreSQL tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func open(ctx context.Context, t testing.TB, dsn string) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemas.Default(), slog.New(slog.DiscardHandler))
	if err != nil {
		unavailable(t, "cannot reach PostgreSQL: "+err.Error())
	}
	return w
}

func createDatabase(ctx context.Context, adminDSN, name string) error {
	w, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: adminDSN}, schemas.Default(), slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer w.Close()
	var n int
	if err := w.DB().GetContext(ctx, &n, "SELECT count(*) FROM pg_database WHERE datname = $1", name); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err = w.Exec(ctx, `CREATE DATABASE "`+name+`"`)
	var dbErr *warehouse.DBError
	if errors.As(err, &dbErr) && (dbErr.Code == "42P04" || dbErr.Code == "23505") {
		return nil // created concurrently by another test process
	}
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// OpenPostgres returns a migrated warehouse on a fresh schema (see
// PostgresDSN), closed when the test ends. cfg.Driver and cfg.DSN are
// set by OpenPostgres.
func OpenPostgres(t testing.TB, cfg warehouse.Config) *warehouse.Warehouse {
	t.Helper()
	cfg.Driver, cfg.DSN, cfg.Path = warehouse.Postgres, PostgresDSN(t), ""
	return openMigrated(t, cfg)
}

// OpenSQLite returns a migrated warehouse in a new SQLite file in the
// test's temporary directory, closed when the test ends.
func OpenSQLite(t testing.TB, cfg warehouse.Config) *warehouse.Warehouse {
	t.Helper()
	cfg.Driver, cfg.DSN, cfg.Path = warehouse.SQLite, "", filepath.Join(t.TempDir(), "tally.db")
	return openMigrated(t, cfg)
}

func openMigrated(t testing.TB, cfg warehouse.Config) *warehouse.Warehouse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := warehouse.Open(ctx, cfg, schemas.Default(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("opening %s warehouse: %v", cfg.Driver, err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.Migrate(ctx); err != nil {
		t.Fatalf("migrating %s warehouse: %v", cfg.Driver, err)
	}
	return w
}
