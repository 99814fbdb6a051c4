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

// BenchmarkRekey rekeys TALLY_BENCH_FACTS deal facts (default
// 1,000,000; 100 per rep) and their rollups on PostgreSQL, once per
// batch size on the same data: each iteration rewrites every pseudonym
// of the current version under the next one (k1 → k2, k2 → k3, …),
// moving every rollup row to its renamed rep, then verifies and retires
// the old version. It reports facts rewritten per second, for the
// by-rep pass at three batch sizes and, for comparison on the same data,
// for the key-order pass alone (rollup rows moved per fact).
func BenchmarkRekey(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("TALLY_BENCH_FACTS")); err == nil && v > 0 {
		n = v
	}
	const perRep = 100
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	w := warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs})
	keys, _ := pseudonymize.NewKeyring(testMaster, 1)
	ps := make([]string, n/perRep)
	for i := range ps {
		ps[i] = keys.Pseudonym("t1", "user", "u"+strconv.Itoa(i))
	}
	load := []string{
		`CREATE TABLE bench_reps AS SELECT ord - 1 AS i, p FROM unnest($1::text[]) WITH ORDINALITY AS u(p, ord)`,
		// Keys in pseudonym form: "k1_" and 26 characters of [a-z2-7].
		fmt.Sprintf(`INSERT INTO deal_facts (tenant, key, source, owner_id, stage, is_won, is_closed, amount, currency,
			close_date, created_at, version, written_at, expires_at)
			SELECT 't1', 'k1_' || translate(substr(md5(g::text), 1, 26), '0189', 'wxyz'), 'hubspot', r.p, 'won', g %% 3 = 0, true,
			g %% 1000, 'EUR', date '2024-01-01' + (g %% 365), date '2024-01-01' + (g %% 300), now(), now(), now() + interval '400 days'
			FROM generate_series(0, %d) g JOIN bench_reps r ON r.i = g %% %d`, n-1, len(ps)),
		`INSERT INTO kpi_daily (tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at)
			SELECT tenant, 'deals_won', close_date, owner_id, '', '', count(*), count(*), now(), now() + interval '800 days'
			FROM deal_facts WHERE is_won AND is_closed GROUP BY tenant, close_date, owner_id
			UNION ALL SELECT tenant, 'revenue_won', close_date, owner_id, '', currency, sum(amount), count(*), now(), now() + interval '800 days'
			FROM deal_facts WHERE is_won GROUP BY tenant, close_date, owner_id, currency
			UNION ALL SELECT tenant, 'pipeline_created', created_at, owner_id, '', currency, sum(amount), count(*), now(), now() + interval '800 days'
			FROM deal_facts GROUP BY tenant, created_at, owner_id, currency`,
		"VACUUM ANALYZE deal_facts", "VACUUM ANALYZE kpi_daily", // hint bits set, as on a table in service
	}
	for i, q := range load {
		var args []any
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
	for _, run := range []struct {
		name     string
		batch    int
		keyOrder bool
	}{
		{"by-rep/batch=5000", 5000, false},
		{"key-order-only/batch=5000", 5000, true},
		{"by-rep/batch=1000", 1000, false},
		{"by-rep/batch=20000", 20000, false},
	} {
		b.Run(run.name, func(b *testing.B) {
			warehouse.SetRekeyKeyOrderOnly(s, run.keyOrder)
			iters := 0
			for b.Loop() {
				res, err := s.Rekey(ctx, "t1", warehouse.RekeyOptions{BatchSize: run.batch, BatchTimeout: 10 * time.Minute})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Retired) != 1 {
					b.Fatalf("Rekey = %+v", res)
				}
				iters++
			}
			b.ReportMetric(float64(n)*float64(iters)/b.Elapsed().Seconds(), "facts/s")
		})
	}
}
