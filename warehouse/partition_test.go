package warehouse_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// wantRows checks that table holds want rows matching pred ("" for all).
func wantRows(t *testing.T, w *warehouse.Warehouse, table, pred string, want int64, what string) {
	t.Helper()
	if n := countRows(t, w, table, pred); n != want {
		t.Errorf("%s: %d rows, want %d", what, n, want)
	}
}

// assertTiled checks that table's tally partitions are disjoint, sorted,
// each at most warehouse.PartitionPeriod wide, and cover [from, to)
// without a gap.
func assertTiled(t *testing.T, parts []warehouse.Partition, from, to time.Time) {
	t.Helper()
	covered := false
	for i, p := range parts {
		if !p.To.After(p.From) || p.To.Sub(p.From) > warehouse.PartitionPeriod {
			t.Errorf("partition %s spans [%v, %v), want at most %v", p.Name, p.From, p.To, warehouse.PartitionPeriod)
		}
		if i > 0 && p.From.Before(parts[i-1].To) {
			t.Errorf("partition %s starts %v, before %s ends %v", p.Name, p.From, parts[i-1].Name, parts[i-1].To)
		}
		if !p.From.After(from) && p.To.After(from) {
			covered = true
		}
		if covered && p.To.Before(to) && (i+1 == len(parts) || !parts[i+1].From.Equal(p.To)) {
			t.Errorf("gap after partition %s ending %v (want coverage up to %v)", p.Name, p.To, to)
		}
	}
	if !covered {
		t.Errorf("no partition holds %v: %v", from, parts)
	}
}

// TestPartitionsFillAroundWeeklyOnes: a warehouse that has the weekly
// partitions of earlier versions (named by their start alone) keeps
// them; new partitions fill the gaps between them, clipped to their
// bounds, so every value has exactly one partition and rows go there,
// not to the default partition. Facts written into a weekly partition
// are found and moved by later versions or deleted, and purge drops the
// weekly partition once it is past.
func TestPartitionsFillAroundWeeklyOnes(t *testing.T) {
	w := warehousetest.OpenPostgres(t, purgeCfg)
	c := &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)}
	warehouse.SetNow(w, c.now)
	// Weekly partitions of two earlier versions' making: the week the
	// first writes expire in, and one three weeks later.
	week := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	for _, start := range []time.Time{week, week.Add(21 * 24 * time.Hour)} {
		q := fmt.Sprintf("CREATE TABLE deal_facts_p%s PARTITION OF deal_facts FOR VALUES FROM ('%s') TO ('%s')",
			start.Format("20060102"), start.Format(time.RFC3339), start.Add(7*24*time.Hour).Format(time.RFC3339))
		if _, err := w.Exec(ctxT(t), q); err != nil {
			t.Fatal(err)
		}
	}
	from, to := week.Add(-60*24*time.Hour), week.Add(120*24*time.Hour)
	if err := warehouse.EnsurePartitions(w, "deal_facts", from, to); err != nil {
		t.Fatal(err)
	}
	parts := partitionsOf(t, w, "deal_facts")
	assertTiled(t, parts, from, to)
	var names []string
	for _, p := range parts {
		names = append(names, p.Name)
	}
	for _, want := range []string{"deal_facts_p20250331", "deal_facts_p20250421", "deal_facts_p20250407_20250421"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("partitions %v lack %s", names, want)
		}
	}

	writeDeals(t, w, "t1", 3, 0)
	wantRows(t, w, "deal_facts_p20250331", "", 3, "the weekly partition holding the writes' expiry")
	c.add(10 * 24 * time.Hour) // now+TTL is past the weekly partition
	write(t, w, tenantDeal("t1", "t1-d0", 2))
	wantRows(t, w, "deal_facts", "key = 't1-d0'", 1, "deal t1-d0 after its update")
	wantRows(t, w, "deal_facts_p20250331", "", 2, "the weekly partition after one deal moved out")
	wantRows(t, w, "deal_facts_pdefault", "", 0, "the default partition")
	// One batch deletes a fact of the weekly partition and updates one of
	// each partition: every stored row is removed by its own partition
	// and row id, and the new versions land in the current partition.
	c.add(24 * time.Hour)
	write(t, w, del("t1-d1", 3), tenantDeal("t1", "t1-d2", 3), tenantDeal("t1", "t1-d0", 3))
	wantRows(t, w, "deal_facts", "key IN ('t1-d0', 't1-d2')", 2, "the updated deals")
	wantRows(t, w, "deal_facts", "key = 't1-d1'", 0, "the deleted deal")
	wantRows(t, w, "deal_facts_p20250331", "", 0, "the weekly partition after its deals moved or went")
	assertConsistent(t, w, allKPIs)
	write(t, w, tenantDeal("t1", "t1-d1", 4)) // a deal recreated after its delete (its expiry is that of the moved deal)

	c.add(23 * 24 * time.Hour) // 04-08: the weekly partition is wholly expired, the moved deals are not
	run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{})
	if err != nil {
		t.Fatalf("Purge() = %v", err)
	}
	if n, dropped := removed(run, "deal_facts"); n != 0 || dropped == 0 {
		t.Errorf("purge removed %d deal facts in %d partitions, want the empty weekly partition dropped", n, dropped)
	}
	for _, p := range partitionsOf(t, w, "deal_facts") {
		if p.Name == "deal_facts_p20250331" {
			t.Errorf("weekly partition %s survived the purge", p.Name)
		}
	}
	wantRows(t, w, "deal_facts", "", 3, "deal_facts after purge (the moved or recreated deals expire later)")
}
