package warehouse_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestAmountsAreStoredExactly writes amounts a float64 would change and
// reads them back from the facts, kpi_daily and KPIRows exactly.
func TestAmountsAreStoredExactly(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		amounts := []any{dec("1e300"), dec("100"), json.Number("0.1"), 0.2, dec("-0.000000000000000000000000000001")}
		var recs []pipeline.Record
		for i, a := range amounts {
			recs = append(recs, upsert(string(rune('a'+i)), 1, wonDeal("s", 0)))
			recs[i].Fields["amount"] = a
		}
		write(t, w, recs...)
		want := "1" + zeros(297) + "100.299999999999999999999999999999" // 1e300 + 100 + 0.1 + 0.2 - 1e-30
		got := warehousetest.StoredRollups(t, w)["t1|revenue_won|2024-05-03|rep1||EUR"]
		if got.Exact.String() != want || got.N != 5 {
			t.Errorf("revenue_won = %s over %d facts, want %s over 5", got.Exact, got.N, want)
		}
		rows, err := w.KPIRows(ctxT(t), "t1")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Metric == "revenue_won" && r.Value.String() != want {
				t.Errorf("KPIRows revenue_won = %s, want %s", r.Value, want)
			}
		}
		var stored string
		if err := w.DB().QueryRowContext(ctxT(t), "SELECT CAST(amount AS TEXT) FROM deal_facts WHERE key = 'c'").Scan(&stored); err != nil || stored != "0.1" {
			t.Errorf("stored amount of 0.1 = %q, %v; want 0.1", stored, err)
		}
		assertConsistent(t, w, allKPIs)
		// Deleting the huge amounts leaves exactly the small ones.
		write(t, w, del("a", 2), del("b", 2))
		got = warehousetest.StoredRollups(t, w)["t1|revenue_won|2024-05-03|rep1||EUR"]
		if got.Exact.String() != "0.299999999999999999999999999999" || got.N != 3 {
			t.Errorf("after deletes revenue_won = %s over %d facts, want 0.299999999999999999999999999999 over 3", got.Exact, got.N)
		}
	})
}

// TestMigration5MakesSQLiteNumbersText upgrades a SQLite warehouse whose
// amounts and rollups were stored as floats: they become canonical
// decimal text, rows and column order kept.
func TestMigration5MakesSQLiteNumbersText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	w, err := warehouse.Open(ctxT(t), warehouse.Config{Driver: warehouse.SQLite, Path: path, KPIs: allKPIs}, schemas.Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	for _, f := range []string{"0001_init.sql", "0002_subjects.sql", "0003_kpi_daily_by_day.sql", "0004_rekey.sql"} {
		sql, err := os.ReadFile(filepath.Join("migrations", "sqlite", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.DB().ExecContext(ctxT(t), string(sql)); err != nil {
			t.Fatalf("applying %s: %v", f, err)
		}
	}
	for _, q := range []string{
		"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP NOT NULL)",
		"INSERT INTO schema_migrations VALUES (1, '2024-01-01'), (2, '2024-01-01'), (3, '2024-01-01'), (4, '2024-01-01')",
		`INSERT INTO deal_facts (tenant, key, source, amount, version, written_at, expires_at) VALUES
			('t1', 'a', 'hubspot', 0.1, '2024-05-01', '2024-05-01', '2030-01-01'),
			('t1', 'b', 'hubspot', 1e300, '2024-05-01', '2024-05-01', '2030-01-01'),
			('t1', 'c', 'hubspot', NULL, '2024-05-01', '2024-05-01', '2030-01-01')`,
		`INSERT INTO placement_facts (tenant, key, source, fee, version, written_at, expires_at) VALUES
			('t1', 'p', 'bullhorn', 2500, '2024-05-01', '2024-05-01', '2030-01-01')`,
		`INSERT INTO kpi_daily (tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at) VALUES
			('t1', 'revenue_won', '2024-05-03', 'rep1', '', 'EUR', 0.30000000000000004, 3, '2024-05-04', '2030-01-01')`,
	} {
		if _, err := w.DB().ExecContext(ctxT(t), q); err != nil {
			t.Fatalf("seeding version 4: %v", err)
		}
	}
	if applied, err := w.Migrate(ctxT(t)); err != nil || len(applied) == 0 || applied[0] != 5 {
		t.Fatalf("Migrate() = %v, %v; want 5 and any later migrations", applied, err)
	}
	texts := map[string]string{}
	rows, err := w.DB().QueryContext(ctxT(t), `SELECT key, typeof(amount), coalesce(amount, 'NULL') FROM deal_facts
		UNION ALL SELECT key, typeof(fee), fee FROM placement_facts
		UNION ALL SELECT metric, typeof(value), value FROM kpi_daily`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, typ, v string
		if err := rows.Scan(&k, &typ, &v); err != nil {
			t.Fatal(err)
		}
		texts[k] = typ + " " + v
	}
	want := map[string]string{"a": "text 0.1", "b": "text 1" + zeros(300), "c": "null NULL", "p": "text 2500",
		"revenue_won": "text 0.30000000000000004"}
	for k, v := range want {
		if texts[k] != v {
			t.Errorf("after 0005 %s = %.40q, want %.40q", k, texts[k], v)
		}
	}
	write(t, onTestClock(w), upsert("d", 1, wonDeal("s", 0.2)))
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}
