package csvfile

import (
	"context"
	"testing"

	"github.com/tally-dev/tally/pipeline"
)

// BenchmarkFullSync streams a 100,000-row deals export in pages of 1,000
// and reports rows per second.
func BenchmarkFullSync(b *testing.B) {
	const n = 100_000
	f := newFixture(b, n, func(c *Config) { c.PageSize = 1000 })
	emit := pipeline.EmitterFunc(func(context.Context, []pipeline.Record, string) error { return nil })
	b.ResetTimer()
	for b.Loop() {
		if err := f.src.Sync(context.Background(), "deal", "", emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
