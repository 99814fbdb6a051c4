package bullhorn

import (
	"context"
	"testing"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/pipeline"
)

// BenchmarkFullSync pulls 10,000 placements from the fake, every
// placement field projected, and reports records per second.
func BenchmarkFullSync(b *testing.B) {
	const n = 10_000
	f := newFixture(b, bullhorntest.Sizes{Users: 20, Placements: n}, serverOptions(), nil)
	emit := pipeline.EmitterFunc(func(context.Context, []pipeline.Record, string) error { return nil })
	b.ResetTimer()
	for b.Loop() {
		if err := f.src.Sync(context.Background(), "placement", "", emit); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}
