package pipedrive

import (
	"context"
	"testing"

	"github.com/tally-dev/tally/connectors/pipedrive/pipedrivetest"
	"github.com/tally-dev/tally/pipeline"
)

// BenchmarkFullSync pulls 10,000 deals from the fake in pages of 500,
// every deal field projected, and reports records per second.
func BenchmarkFullSync(b *testing.B) {
	const n = 10_000
	f := newFixture(b, setup{sizes: pipedrivetest.Sizes{Users: 20, Deals: n}, config: func(c *Config) { c.PageSize = 500 }})
	emit := pipeline.EmitterFunc(func(context.Context, []pipeline.Record, string) error { return nil })
	b.ResetTimer()
	for b.Loop() {
		if err := f.src.Sync(context.Background(), "deal", "", emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkActivitySync pulls 10,000 activities from the fake in pages of
// 500, every activity field projected, and reports records per second.
func BenchmarkActivitySync(b *testing.B) {
	const n = 10_000
	f := newFixture(b, setup{sizes: pipedrivetest.Sizes{Users: 20, Activities: n}, config: func(c *Config) { c.PageSize = 500 }})
	emit := pipeline.EmitterFunc(func(context.Context, []pipeline.Record, string) error { return nil })
	b.ResetTimer()
	for b.Loop() {
		if err := f.src.Sync(context.Background(), "activity", "", emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
