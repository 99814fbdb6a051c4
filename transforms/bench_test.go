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

// BenchmarkChainFromLog is BenchmarkChain from the raw message: the
// consumer's decode of the deal's log message, then the five stages.
func BenchmarkChainFromLog(b *testing.B) {
	_, chain := stages(b)
	m, err := pipeline.EncodeRecord(hubspotDeal())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, _, err := pipeline.Decode(m)
		if err != nil {
			b.Fatal(err)
		}
		if stage, err := pipeline.Chain(chain, r); err != nil {
			b.Fatalf("Chain(deal) failed in %s: %v", stage, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
