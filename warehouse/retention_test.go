package warehouse_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// reopener returns a function that opens (and migrates) a warehouse of
// driver on the same database each time, with the given config: the
// same data under a changed retention policy.
func reopener(t *testing.T, driver string) func(cfg warehouse.Config) *warehouse.Warehouse {
	t.Helper()
	var dsn, path string
	if driver == warehouse.Postgres {
		dsn = warehousetest.PostgresDSN(t)
	} else {
		path = filepath.Join(t.TempDir(), "tally.db")
	}
	return func(cfg warehouse.Config) *warehouse.Warehouse {
		t.Helper()
		cfg.Driver, cfg.DSN, cfg.Path = driver, dsn, path
		w, err := warehouse.Open(ctxT(t), cfg, schemas.Default(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		if _, err := w.Migrate(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		return onTestClock(w)
	}
}

func restamped(rs []warehouse.Restamp, table string) (rows, expired int64) {
	for _, r := range rs {
		if r.Table == table {
			rows += r.Rows
			expired += r.Expired
		}
	}
	return rows, expired
}

func TestRetentionApplyRestampsRollupsInPlace(t *testing.T) {
	for _, driver := range []string{warehouse.SQLite, warehouse.Postgres} {
		t.Run(driver, func(t *testing.T) {
			open := reopener(t, driver)
			w := open(warehouse.Config{KPIs: allKPIs})
			write(t, w, upsert("a", 1, wonDeal("won", 10)), upsert("b", 1, wonDeal("won", 5)))
			before := warehousetest.StoredRollups(t, w)

			// The KPI TTL drops to 30 days: the rollups of day(1) and
			// day(2) are then past retention, day(3)'s are not.
			w = open(warehouse.Config{KPIs: allKPIs, KPITTL: 30 * 24 * time.Hour})
			// A write under the new policy re-stamps the rows it touches in
			// place (deals_won and revenue_won of day(3)) and adds one
			// (pipeline_created of day(3)): still one row per key.
			c := wonDeal("won", 1)
			c["created_at"] = day(3)
			write(t, w, upsert("c", 1, c))
			if got := countRows(t, w, "kpi_daily", ""); got != int64(len(before)+1) {
				t.Errorf("kpi_daily holds %d rows after a write under the new policy, want %d (one per key)", got, len(before)+1)
			}
			dry, err := w.ApplyRetention(ctxT(t), true)
			if err != nil {
				t.Fatalf("ApplyRetention(dry run) = %v", err)
			}
			// Left under the old stamp: pipeline_created of day(1), which
			// the new TTL has expired.
			if rows, expired := restamped(dry, "kpi_daily"); rows != 1 || expired != 1 {
				t.Errorf("dry run would re-stamp %d rollups, %d expired; want 1, 1", rows, expired)
			}
			if got := rollupExpiries(t, w)["t1|pipeline_created|2024-05-01|rep1||EUR"]; !got.Equal(day(1).Add(801 * 24 * time.Hour)) {
				t.Errorf("dry run changed an expiry to %v", got)
			}
			if _, err := w.ApplyRetention(ctxT(t), false); err != nil {
				t.Fatalf("ApplyRetention() = %v", err)
			}
			exps := rollupExpiries(t, w)
			if len(exps) != len(before)+1 {
				t.Errorf("kpi_daily holds %d rows after re-stamping, want %d: rows are re-stamped, never duplicated", len(exps), len(before)+1)
			}
			for key, got := range exps {
				if want := keyDay(t, key).Add(31 * 24 * time.Hour); !got.Equal(want) {
					t.Errorf("rollup %s expires %v after re-stamping, want %v", key, got, want)
				}
			}
			assertConsistent(t, w, allKPIs)
			again, err := w.ApplyRetention(ctxT(t), true)
			if rows, _ := restamped(again, "kpi_daily"); err != nil || rows != 0 {
				t.Errorf("second dry run = %d rollups to re-stamp, %v; want 0", rows, err)
			}
			run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{})
			if err != nil || run.Verified == nil || !*run.Verified {
				t.Fatalf("Purge() = %v, verified %v", err, run.Verified)
			}
			if n, _ := removed(run, "kpi_daily"); n != 1 {
				t.Errorf("purge removed %d rollups, want 1 (pipeline_created of day(1))", n)
			}
		})
	}
}

// TestMigration3ConvertsRollups applies migration 0003 to a PostgreSQL
// warehouse at version 2 holding rollups under the old layout, one key
// split over two rows with different expiries.
func TestMigration3ConvertsRollups(t *testing.T) {
	dsn := warehousetest.PostgresDSN(t)
	w := openDSN(t, dsn)
	for _, f := range []string{"0001_init.sql", "0002_subjects.sql"} {
		sql, err := os.ReadFile(filepath.Join("migrations", "postgres", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB().ExecContext(ctxT(t), string(sql)); err != nil {
			t.Fatalf("applying %s: %v", f, err)
		}
	}
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)",
		"INSERT INTO schema_migrations VALUES (1, now()), (2, now())",
		"CREATE TABLE kpi_daily_p20260601 PARTITION OF kpi_daily FOR VALUES FROM ('2026-06-01T00:00:00Z') TO ('2026-06-08T00:00:00Z')",
		`INSERT INTO kpi_daily (tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at) VALUES
			('t1', 'revenue_won', '2024-05-03', 'rep1', '', 'EUR', 10, 1, '2024-05-04', '2026-06-02'),
			('t1', 'revenue_won', '2024-05-03', 'rep1', '', 'EUR', 5, 1, '2024-05-05', '2026-07-02'),
			('t1', 'deals_won', '2024-05-13', 'rep1', '', '', 1, 1, '2024-05-14', '2026-06-03')`,
	} {
		if _, err := w.DB().ExecContext(ctxT(t), q); err != nil {
			t.Fatalf("seeding version 2: %v", err)
		}
	}
	applied, err := w.Migrate(ctxT(t))
	if err != nil || len(applied) == 0 || applied[0] != 3 {
		t.Fatalf("Migrate() = %v, %v; want 3 and the later migrations", applied, err)
	}
	got := warehousetest.StoredRollups(t, w)
	if r := got["t1|revenue_won|2024-05-03|rep1||EUR"]; r.Value != 15 || r.N != 2 || len(got) != 2 {
		t.Errorf("after migration kpi_daily = %v, want revenue_won merged to 15 over 2 facts, and deals_won", got)
	}
	if exp := rollupExpiries(t, w)["t1|revenue_won|2024-05-03|rep1||EUR"]; !exp.Equal(time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("merged rollup expires %v, want the later expiry 2026-07-02", exp)
	}
	var names []string
	for _, p := range partitionsOf(t, w, "kpi_daily") {
		if p.Column != "day" {
			t.Errorf("partition %s is on %s, want day", p.Name, p.Column)
		}
		names = append(names, p.Name)
	}
	if len(names) != 2 || names[0] != "kpi_daily_p20240429" || names[1] != "kpi_daily_p20240513" {
		t.Errorf("kpi_daily partitions = %v, want the weeks of its days [kpi_daily_p20240429 kpi_daily_p20240513]", names)
	}
	if n := countRows(t, w, "kpi_daily_pdefault", ""); n != 0 {
		t.Errorf("default partition holds %d rows, want 0", n)
	}
	// The converted table takes upserts on its natural key.
	onTestClock(w)
	write(t, w, upsert("a", 1, wonDeal("won", 1)))
	if r := warehousetest.StoredRollups(t, w)["t1|revenue_won|2024-05-03|rep1||EUR"]; r.Value != 16 || r.N != 3 {
		t.Errorf("revenue_won after a write = %+v, want value 16 n 3", r)
	}
}
