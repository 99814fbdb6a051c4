package kpi

import (
	"fmt"
	"testing"
)

// batchDeltas returns the merged deltas of a batch of n deals of one
// tenant spread over reps, days and currencies, as Write merges them.
func batchDeltas(n int) map[Key]Delta {
	m := map[Key]Delta{}
	metrics := []string{"deals_won", "pipeline_created", "revenue_won"}
	currencies := []string{"EUR", "USD", "GBP"}
	for i := range n {
		k := Key{Tenant: "bench", Metric: metrics[i%3], Rep: fmt.Sprintf("rep%03d", i*7%200),
			Currency: currencies[i%5%3], Day: day1.AddDate(0, 0, -(i * 13 % 365))}
		Merge(m, []Delta{{Key: k, Value: dec("125.5"), N: 1}}, 1)
	}
	return m
}

func BenchmarkSorted(b *testing.B) {
	m := batchDeltas(3000)
	b.ReportAllocs()
	for b.Loop() {
		Sorted(m)
	}
}
