package salesforce

import (
	"context"
	"testing"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
)

// BenchmarkFullSync pulls 10,000 opportunities from the fake in pages
// of 2,000, every KPI field projected, and reports records per second.
func BenchmarkFullSync(b *testing.B) {
	const n = 10_000
	f := newFixture(b, setup{
		sizes:  salesforcetest.Sizes{Users: 20, Opportunities: n, Leads: 10, Tasks: 10, Events: 10},
		config: func(c *Config) { c.PageSize = 2000 },
	})
	emit := pipeline.EmitterFunc(func(context.Context, []pipeline.Record, string) error { return nil })
	for b.Loop() {
		if err := f.src.Sync(context.Background(), "deal", "", emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
