package bullhorntest

import "testing"

// BenchmarkGenerateMillion builds the index of a million placements and
// renders one, showing that records are computed on demand.
func BenchmarkGenerateMillion(b *testing.B) {
	for b.Loop() {
		ds := Generate(1, Sizes{Users: 50, Placements: 1_000_000})
		ds.sorted(placements)
		_ = ds.Record("placement", ds.ID("placement", 999_999))
	}
}
