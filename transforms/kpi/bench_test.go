package kpi

import (
	"fmt"
	"testing"

	"github.com/tally-dev/tally/schemas"
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

func BenchmarkDiffInsert(b *testing.B) {
	c, err := New(schemas.Default(), []string{"deals_won", "revenue_won", "pipeline_created"})
	if err != nil {
		b.Fatal(err)
	}
	r := deal(map[string]any{"owner_id": "rep1", "is_won": true, "amount": dec("100.5"), "currency": "EUR",
		"close_date": day2, "created_at": day1, "stage": "closedwon"})
	var dst []Delta
	b.ReportAllocs()
	for b.Loop() {
		dst = c.AppendDiff(dst[:0], nil, r)
	}
}
