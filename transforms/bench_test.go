package transforms_test

import (
	"testing"

	"github.com/tally-dev/tally/pipeline"
)

// BenchmarkChain runs all five stages over a realistic deal read back
// from Kafka. Building the record is part of each iteration, as the
// consumer builds one per message.
func BenchmarkChain(b *testing.B) {
	_, chain := stages(b)
	b.ReportAllocs()
	for b.Loop() {
		r := hubspotDeal()
		if stage, err := pipeline.Chain(chain, r); err != nil {
			b.Fatalf("Chain(deal) failed in %s: %v", stage, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
