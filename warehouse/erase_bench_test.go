package warehouse_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// BenchmarkEraseRep erases one rep (owner of 100 deals) among
// TALLY_BENCH_FACTS deal facts (default 1,000,000; BENCHMARKS.md reports
// 10,000,000) on PostgreSQL. Rep pseudonyms are the keyring's, kpi_daily
// is built from the facts with GROUP BY, and each iteration erases a
// different rep by source id through every step of Erase: resolve,
// bounded fact deletion with rollup deltas, vault, keys, suppression,
// verification and the chained receipt.
func BenchmarkEraseRep(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TALLY_BENCH_FACTS")); err == nil && v > 0 {
		n = v
	}
	const perRep = 100
	reps := n / perRep
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	w := onTestClock(warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs}))
	keys, _ := pseudonymize.NewKeyring(testMaster, 1)
	ps := make([]string, reps)
	for i := range ps {
		ps[i] = keys.Pseudonym("t1", "user", "u"+strconv.Itoa(i))
	}
	load := []string{
		`CREATE TABLE bench_reps AS SELECT ord - 1 AS i, p FROM unnest($1::text[]) WITH ORDINALITY AS u(p, ord)`,
		fmt.Sprintf(`INSERT INTO deal_facts (tenant, key, source, owner_id, stage, is_won, is_closed, amount, currency,
			close_date, created_at, version, written_at, expires_at)
			SELECT 't1', 'k1_deal' || g, 'hubspot', r.p, 'won', g %% 3 = 0, true, g %% 1000, 'EUR',
			date '2024-01-01' + (g %% 365), date '2024-01-01' + (g %% 300), now(), now(), now() + interval '400 days'
			FROM generate_series(0, %d) g JOIN bench_reps r ON r.i = g %% %d`, n-1, reps),
		`CREATE TABLE bench_rollups AS
			SELECT tenant, 'deals_won' AS metric, close_date AS day, owner_id AS rep, '' AS dimension, '' AS currency,
				count(*)::numeric AS value, count(*) AS n FROM deal_facts WHERE is_won GROUP BY tenant, close_date, owner_id
			UNION ALL SELECT tenant, 'revenue_won', close_date, owner_id, '', currency, sum(amount), count(*)
			FROM deal_facts WHERE is_won GROUP BY tenant, close_date, owner_id, currency
			UNION ALL SELECT tenant, 'pipeline_created', created_at, owner_id, '', currency, sum(amount), count(*)
			FROM deal_facts GROUP BY tenant, created_at, owner_id, currency`,
		// kpi_daily may carry bookkeeping columns (written_at); fill every
		// timestamp column other than expires_at with now().
		`DO $$ DECLARE extra text := ''; BEGIN
			SELECT coalesce(string_agg(column_name, ', '), '') INTO extra FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = 'kpi_daily' AND data_type LIKE 'timestamp%' AND column_name <> 'expires_at';
			IF extra = '' THEN
				EXECUTE 'INSERT INTO kpi_daily (tenant, metric, day, rep, dimension, currency, value, n, expires_at)
					SELECT *, now() + interval ''800 days'' FROM bench_rollups';
			ELSE
				EXECUTE 'INSERT INTO kpi_daily (tenant, metric, day, rep, dimension, currency, value, n, expires_at, ' || extra || ')
					SELECT *, now() + interval ''800 days'', now() FROM bench_rollups';
			END IF; END $$`,
		"ANALYZE",
	}
	for i, q := range load {
		args := []any{}
		if i == 0 {
			args = append(args, pq.Array(ps))
		}
		if _, err := w.DB().ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("loading benchmark data: %v", err)
		}
	}
	s, err := w.Subjects(schemas.Default(), testMaster, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n), "facts")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rc, err := s.Erase(ctx, warehouse.Request{Tenant: "t1", SourceID: "u" + strconv.Itoa(i%reps), Object: "user"})
		if err != nil {
			b.Fatal(err)
		}
		if !rc.Verified {
			b.Fatal("erase left rows")
		}
	}
}
