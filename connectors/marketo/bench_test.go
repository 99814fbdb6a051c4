package marketo

import (
	"context"
	"testing"

	"github.com/tally-dev/tally/connectors/marketo/marketotest"
	"github.com/tally-dev/tally/pipeline"
)

// BenchmarkFullSync pulls 20,000 leads from the fake through the bulk
// extract (export jobs per 31-day window, 1 MiB Range chunks), every
// lead field projected, and reports records per second.
func BenchmarkFullSync(b *testing.B) {
	const n = 20_000
	f := newFixture(b, marketotest.Sizes{Leads: n}, serverOptions(), func(c *Config) { c.ChunkBytes = 1 << 20 })
	emit := pipeline.EmitterFunc(func(context.Context, []pipeline.Record, string) error { return nil })
	b.ResetTimer()
	for b.Loop() {
		if err := f.src.Sync(context.Background(), "lead", "", emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkActivitySync pages 20,000 activities and reports records per
// second.
func BenchmarkActivitySync(b *testing.B) {
	const n = 20_000
	f := newFixture(b, marketotest.Sizes{Leads: 100, Activities: n}, serverOptions(), nil)
	emit := pipeline.EmitterFunc(func(context.Context, []pipeline.Record, string) error { return nil })
	b.ResetTimer()
	for b.Loop() {
		if err := f.src.Sync(context.Background(), "activity", "", emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
