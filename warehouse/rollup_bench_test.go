package warehouse_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// newRollupDeal returns the fields of deal j of batch i for a first load
// of a CRM with many owners, where almost every deal adds new kpi_daily
// rows instead of updating existing ones: 200,000 owners, close and
// creation days spread over the 69 weeks before now, so that each batch
// of 1,000 deals inserts about 1,670 rollups spread over the 18
// four-week partitions those weeks span.
func newRollupDeal(now time.Time) func(i, j int) map[string]any {
	const days = 69 * 7
	return func(i, j int) map[string]any {
		n := i*1000 + j
		f := wonDeal("stage", float64(n%997)+0.5)
		f["owner_id"] = fmt.Sprintf("owner%d", n%200000)
		f["close_date"] = now.AddDate(0, 0, -1-(n*7919)%days).Truncate(24 * time.Hour)
		f["created_at"] = now.AddDate(0, 0, -1-(n*104729)%days).Truncate(24 * time.Hour)
		f["is_won"] = n%3 == 0
		return f
	}
}

// BenchmarkWritePostgresNewRollups is benchmarkWrite on newRollupDeal's
// deals: the rollup write inserts rather than updates.
func BenchmarkWritePostgresNewRollups(b *testing.B) {
	w := warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs})
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	warehouse.SetNow(w, func() time.Time { return now })
	benchmarkWrite(b, w, newRollupDeal(now))
}

// kpiIndexVariants are the kpi_daily index sets BenchmarkKPIIndexCost
// compares, as DDL applied to a migrated warehouse.
var kpiIndexVariants = map[string][]string{
	"main":       nil,
	"no-expires": {"DROP INDEX kpi_daily_expires_at"},
	"brin":       {"DROP INDEX kpi_daily_expires_at", "CREATE INDEX kpi_daily_expires_at ON kpi_daily USING brin (expires_at)"},
	"no-rep":     {"DROP INDEX kpi_daily_rep"},
	"hash-rep":   {"DROP INDEX kpi_daily_rep", "CREATE INDEX kpi_daily_rep ON kpi_daily USING hash (rep)"},
	"none":       {"DROP INDEX kpi_daily_expires_at", "DROP INDEX kpi_daily_rep"},
	// no-expires, with the lowest TTL ever stamped kept by statement
	// triggers, which purge could bound its scans with.
	"floor": {"DROP INDEX kpi_daily_expires_at",
		"CREATE TABLE kpi_ttl_floor (ttl interval NOT NULL)",
		"INSERT INTO kpi_ttl_floor VALUES (interval '100 years')",
		`CREATE FUNCTION kpi_ttl_floor() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			UPDATE kpi_ttl_floor SET ttl = m.ttl FROM (SELECT min(expires_at - day::timestamptz) AS ttl FROM new_rows) AS m
			WHERE m.ttl < kpi_ttl_floor.ttl;
			RETURN NULL;
		END $$`,
		"CREATE TRIGGER kpi_ttl_floor_ins AFTER INSERT ON kpi_daily REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_ttl_floor()",
		"CREATE TRIGGER kpi_ttl_floor_upd AFTER UPDATE ON kpi_daily REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_ttl_floor()",
	},
}

// BenchmarkKPIIndexCost measures what kpi_daily's secondary indexes cost
// the writes of newRollupDeal's deals: one warehouse per variant of
// TALLY_BENCH_KPI_INDEXES (default "main,no-expires,no-rep,none"; see
// kpiIndexVariants), each batch written to every warehouse in turn, so
// that the load of a shared machine weighs on all alike. It reports the
// CPU time of each warehouse's PostgreSQL backend per batch.
func BenchmarkKPIIndexCost(b *testing.B) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	names := strings.Split(os.Getenv("TALLY_BENCH_KPI_INDEXES"), ",")
	if names[0] == "" {
		names = []string{"main", "no-expires", "no-rep", "none"}
	}
	ws := make([]*warehouse.Warehouse, len(names))
	pids := make([]int, len(names))
	for k, name := range names {
		ddl, ok := kpiIndexVariants[name]
		if !ok {
			b.Fatalf("unknown kpi index variant %q", name)
		}
		w := warehousetest.OpenPostgres(b, warehouse.Config{KPIs: allKPIs})
		warehouse.SetNow(w, func() time.Time { return now })
		w.DB().SetMaxOpenConns(1)
		for _, q := range ddl {
			if _, err := w.DB().ExecContext(ctxT(b), q); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.DB().GetContext(ctxT(b), &pids[k], "SELECT pg_backend_pid()"); err != nil {
			b.Fatal(err)
		}
		ws[k] = w
	}
	fields := newRollupDeal(now)
	tp := pipeline.TopicPartition{Topic: "tally.t1.hubspot.deal", Partition: 0}
	cpu := make([]time.Duration, len(ws))
	for i := 0; b.Loop(); i++ {
		for n := range ws {
			k := (n + i) % len(ws) // each goes first in turn
			recs := make([]pipeline.Record, 1000)
			for j := range recs {
				recs[j] = upsert(fmt.Sprintf("k%d-%d", i, j), 1, fields(i, j))
			}
			batch := pipeline.Batch{Records: recs, Offsets: map[pipeline.TopicPartition]int64{tp: int64((i + 1) * 1000)}}
			c0 := procCPU(pids[k])
			if err := ws[k].Write(ctxT(b), batch); err != nil {
				b.Fatal(err)
			}
			cpu[k] += procCPU(pids[k]) - c0
		}
	}
	for k, name := range names {
		b.ReportMetric(float64(cpu[k].Microseconds())/1000/float64(b.N), name+"-pg-cpu-ms/op")
	}
}
