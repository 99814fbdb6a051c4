package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// BenchmarkReconcilePostgres runs `tally reconcile --dry-run` over n
// Salesforce opportunities whose facts are in PostgreSQL, 100 of them
// hard-deleted at the fake: snapshot of the stored keys, listing over
// HTTP (2000 ids a page), mapping and counting. deal-s/op is the deal
// stream's own time; ns/op adds opening the connector and the consumer.
// TALLY_BENCH_RECONCILE_FACTS sets n (default 100000).
func BenchmarkReconcilePostgres(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("TALLY_BENCH_RECONCILE_FACTS")); err == nil && v > 0 {
		n = v
	}
	ds := salesforcetest.Generate(7, salesforcetest.Sizes{Users: 5, Opportunities: n, Leads: 1, Tasks: 1, Events: 1})
	srv := salesforcetest.NewServer(ds, salesforcetest.Options{ClientID: "tally-test", ClientSecret: "sf-secret-0a1b2c", DailyLimit: 100_000_000})
	b.Cleanup(srv.Close)
	b.Setenv("TALLY_TEST_SF_SECRET", "sf-secret-0a1b2c")
	b.Setenv("TALLY_TEST_PG_DSN", warehousetest.PostgresDSN(b))
	e := writeConfig(b, "salesforce", fmt.Sprintf("login_url: %q\nclient_id: tally-test\nclient_secret: ${TALLY_TEST_SF_SECRET}\npage_size: 2000", srv.URL()),
		"  driver: postgres\n  dsn: ${TALLY_TEST_PG_DSN}")
	cfg, err := loadConfig(e.cfgPath, newRegistry(), schemasDefault())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a, err := newApp(ctx, cfg, newRegistry(), newTestLogger(&pipelinetest.LogBuffer{}), appOptions{inMemoryKafka: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	version := time.Now().UTC()
	for start := 0; start < n; start += 5000 {
		var recs []pipeline.Record
		for i := start; i < min(start+5000, n); i++ {
			key, _ := a.runner.Keys.Key("acme", "deal", ds.ID(salesforcetest.Opportunity, i), 1)
			recs = append(recs, pipeline.Record{Tenant: "acme", Source: "salesforce", Object: "deal", Key: key,
				Op: pipeline.OpUpsert, Version: version, Fields: map[string]any{"stage": "Prospecting"}})
		}
		if err := a.wh.Write(ctx, pipeline.Batch{Records: recs}); err != nil {
			b.Fatal(err)
		}
	}
	for i := range 100 {
		ds.HardDelete(ds.ID(salesforcetest.Opportunity, i*(n/100)))
	}
	var deal time.Duration
	for b.Loop() {
		reports, err := a.runner.ReconcileOnce(ctx, pipeline.ReconcileOptions{DryRun: true})
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range reports {
			if r.Object == "deal" {
				if r.Missing != 100 || r.Stored != n {
					b.Fatalf("deal report %+v, want %d stored and 100 missing", r, n)
				}
				deal += r.Duration
			}
		}
	}
	b.ReportMetric(deal.Seconds()/float64(b.N), "deal-s/op")
}
