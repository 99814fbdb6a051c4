package marketotest

import "testing"

// BenchmarkGenerateLead computes leads on demand, as an export of a
// million-lead subscription does.
func BenchmarkGenerateLead(b *testing.B) {
	d := Generate(1, Sizes{Leads: 1_000_000})
	i := 0
	for b.Loop() {
		d.genLead(i % 1_000_000)
		i++
	}
}
