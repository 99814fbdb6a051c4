package warehouse

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrationFiles embed.FS

// migration is one versioned schema change, NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's migrations in version order.
func migrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version and _", e.Name())
		}
		data, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// Migrate applies the embedded migrations not yet recorded in
// schema_migrations and returns their versions. Each migration runs in
// its own transaction together with its schema_migrations row; on
// PostgreSQL every transaction first takes an advisory lock and re-checks
// what is applied, so concurrent processes apply each migration once.
// Calling Migrate on an up-to-date warehouse applies nothing. Migrate
// then applies the configured roles (ApplyRoles); a privilege the
// connected user lacks for that is logged as a warning, not an error.
func (w *Warehouse) Migrate(ctx context.Context) (applied []int, err error) {
	migs, err := migrations(w.d.name)
	if err != nil {
		return nil, err
	}
	defer w.cols.reset()
	defer w.parts.reset()
	if err := w.inMigrationTx(ctx, func(tx *txn) error {
		_, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			applied_at `+w.timestampType()+` NOT NULL)`)
		return err
	}); err != nil {
		return nil, fmt.Errorf("creating schema_migrations: %w", err)
	}
	for _, m := range migs {
		ran := false
		err := w.inMigrationTx(ctx, func(tx *txn) error {
			var n int
			if err := tx.get(ctx, &n, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.exec(ctx, m.sql); err != nil {
				return err
			}
			ran = true
			_, err := tx.exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
				m.version, w.d.timeArg(w.now()))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("applying migration %s: %w", m.name, err)
		}
		if ran {
			applied = append(applied, m.version)
			w.log.InfoContext(ctx, "applied migration", "component", "warehouse", "version", m.version)
		}
	}
	rep, err := w.ApplyRoles(ctx)
	if err != nil {
		return applied, err
	}
	for _, p := range rep.Problems {
		w.log.WarnContext(ctx, "warehouse roles not fully applied", "component", "warehouse", "error", p)
	}
	return applied, nil
}

func (w *Warehouse) timestampType() string {
	if w.d.name == Postgres {
		return "timestamptz"
	}
	return "TIMESTAMP"
}

func (w *Warehouse) inMigrationTx(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := w.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := w.d.lockMigrations(ctx, tx.Tx); err != nil {
		return redact(err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.commit()
}
