package warehouse

import (
	"testing"
	"time"
)

func TestParsePartition(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse("20060102", s); return v }
	for _, c := range []struct {
		name     string
		from, to time.Time
		ok       bool
	}{
		{"deal_facts_p20250106", d("20250106"), d("20250113"), true}, // weekly, before four-week ones
		{"deal_facts_p20250106_20250203", d("20250106"), d("20250203"), true},
		{"deal_facts_p20250106_20250113", d("20250106"), d("20250113"), true}, // a gap filler
		{"deal_facts_pdefault", time.Time{}, time.Time{}, false},
		{"deal_facts_p20250106_20250106", time.Time{}, time.Time{}, false}, // empty range
		{"deal_facts_p20250203_20250106", time.Time{}, time.Time{}, false}, // reversed
		{"deal_facts_p2025010x", time.Time{}, time.Time{}, false},
		{"deal_facts_p20250106-20250203", time.Time{}, time.Time{}, false},
		{"lead_facts_p20250106", time.Time{}, time.Time{}, false}, // another table's
		{"deal_facts_p20251399", time.Time{}, time.Time{}, false},
	} {
		from, to, ok := parsePartition("deal_facts", c.name)
		if ok != c.ok || (ok && (!from.Equal(c.from) || !to.Equal(c.to))) {
			t.Errorf("parsePartition(%q) = %v, %v, %v; want %v, %v, %v", c.name, from, to, ok, c.from, c.to, c.ok)
		}
		if ok && partitionName("deal_facts", from, to) != c.name && len(c.name) != len("deal_facts_p20250106") {
			t.Errorf("partitionName(%v, %v) = %q, want %q", from, to, partitionName("deal_facts", from, to), c.name)
		}
	}
}

func TestPartitionGapsClipToKnown(t *testing.T) {
	day := func(m, d int) time.Time { return time.Date(2025, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	var p partitions
	p.known = map[string][]Partition{}
	// Weekly partitions [03-31, 04-07) and [04-21, 04-28); the four-week
	// grid cell holding them is [03-24, 04-21).
	p.add(Partition{Table: "t", Name: "t_p20250421", From: day(4, 21), To: day(4, 28)})
	p.add(Partition{Table: "t", Name: "t_p20250331", From: day(3, 31), To: day(4, 7)})
	for _, c := range []struct{ v, from, to time.Time }{
		{day(3, 25), day(3, 24), day(3, 31)}, // before the first weekly one
		{day(4, 10), day(4, 7), day(4, 21)},  // between them
		{day(4, 30), day(4, 28), day(5, 19)}, // after the second: the rest of its cell
		{day(6, 1), day(5, 19), day(6, 16)},  // a whole cell
	} {
		if _, ok := p.find("t", c.v); ok {
			t.Fatalf("find(%v) found a partition", c.v)
		}
		from, to := p.gap("t", c.v)
		if !from.Equal(c.from) || !to.Equal(c.to) {
			t.Errorf("gap(%v) = [%v, %v), want [%v, %v)", c.v, from, to, c.from, c.to)
		}
	}
	if i, ok := p.find("t", day(4, 6)); !ok || p.known["t"][i].Name != "t_p20250331" {
		t.Errorf("find(04-06) = %d, %v; want t_p20250331", i, ok)
	}
}
