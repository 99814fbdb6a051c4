package warehouse_test

import (
	"crypto/md5"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// BenchmarkWritePostgresAged is benchmarkWrite (a first load: every
// key is new) against a warehouse that has run for a year under the
// default 400-day facts TTL (seedAged). The stored-fact lookup probes
// every fact partition for every key, so the partition layout prices
// every batch: "weekly" is that year in the weekly partitions tally
// created before December 2026 (about 57), "four-week" in today's
// (about 15).
func BenchmarkWritePostgresAged(b *testing.B) {
	for _, layout := range []string{"weekly", "four-week"} {
		b.Run(layout, func(b *testing.B) {
			w, parts := seedAged(b, layout)
			benchmarkWrite(b, w, recentDeal)
			b.ReportMetric(float64(parts), "partitions")
		})
	}
}

// BenchmarkWritePostgresAgedUpdates is BenchmarkWritePostgresAged with
// batches of newer versions of facts already stored, spread over the
// year's partitions: each is found by the lookup and moved to the
// partition of its new expiry.
func BenchmarkWritePostgresAgedUpdates(b *testing.B) {
	for _, layout := range []string{"weekly", "four-week"} {
		b.Run(layout, func(b *testing.B) {
			w, parts := seedAged(b, layout)
			key := func(i, j int) string { return fmt.Sprintf("old%x", md5.Sum([]byte(strconv.Itoa(i*1000+j+1)))) }
			benchmarkWriteKeys(b, w, key, recentDeal)
			b.ReportMetric(float64(parts), "partitions")
		})
	}
}

// seedAged opens a warehouse whose deal_facts already holds
// TALLY_BENCH_AGED_ROWS facts (default 1,000,000; keys "old" + md5 of
// 1..n; open deals created in 2020, so that they contribute to no
// rollup within the KPI TTL and kpi_daily may stay empty) written over
// the last year, so their expiries spread from now+35
// days to now+400 days, in the given partition layout, and returns it
// with the number of fact partitions that have not expired.
func seedAged(b *testing.B, layout string) (*warehouse.Warehouse, int) {
	rows := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("TALLY_BENCH_AGED_ROWS")); err == nil && n > 0 {
		rows = n
	}
	w := warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs})
	now := testEpoch // recentDeal's days are within the KPI TTL
	warehouse.SetNow(w, func() time.Time { return now })
	from, to := now.Add(warehouse.DefaultFactTTL-365*24*time.Hour), now.Add(warehouse.DefaultFactTTL)
	if layout == "weekly" {
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) // the weekly grid's Monday epoch
		start = start.Add(from.Sub(start).Truncate(7 * 24 * time.Hour))
		for s := start; s.Before(to); s = s.Add(7 * 24 * time.Hour) {
			q := fmt.Sprintf("CREATE TABLE deal_facts_p%s PARTITION OF deal_facts FOR VALUES FROM ('%s') TO ('%s')",
				s.Format("20060102"), s.Format(time.RFC3339), s.Add(7*24*time.Hour).Format(time.RFC3339))
			if _, err := w.Exec(ctxB(b), q); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := warehouse.EnsurePartitions(w, "deal_facts", from, to); err != nil {
		b.Fatal(err)
	}
	if err := w.EnsurePartitionsAhead(ctxB(b)); err != nil {
		b.Fatal(err)
	}
	q := `INSERT INTO deal_facts (tenant, key, source, owner_id, stage, is_won, is_closed, amount, currency,
		close_date, created_at, version, written_at, expires_at)
		SELECT 't1', 'old' || md5(g::text), 'hubspot', 'rep' || (g % 25), 'open', false, false, (g % 10000)::numeric, 'EUR',
		DATE '2020-05-01', DATE '2020-04-01', TIMESTAMPTZ '2024-01-01', $1::timestamptz,
		$1::timestamptz + (g % 365) * interval '1 day' + (g % 86400) * interval '1 second'
		FROM generate_series(1, $2::int) AS g`
	if _, err := w.Exec(ctxB(b), q, from, rows); err != nil {
		b.Fatal(err)
	}
	if _, err := w.Exec(ctxB(b), "VACUUM ANALYZE deal_facts"); err != nil {
		b.Fatal(err)
	}
	parts := 0
	for _, p := range partitionsOf(b, w, "deal_facts") {
		if p.To.After(now) {
			parts++
		}
	}
	return w, parts
}
