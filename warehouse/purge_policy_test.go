package warehouse_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/warehouse"
)

// insertRollups inserts kpi_daily rows of tenant t1 for day, reps
// rep0..rep(n-1), expiring at expires, in one statement.
func insertRollups(t *testing.T, w *warehouse.Warehouse, day time.Time, n int, expires time.Time, prefix string) {
	t.Helper()
	var rows []string
	var args []any
	for i := range n {
		rows = append(rows, "(?, ?, ?, ?, '', '', '1', 1, ?, ?)")
		args = append(args, "t1", "deals_won", day.Format(time.DateOnly), fmt.Sprintf("%s%d", prefix, i), ts(day), ts(expires))
	}
	q := "INSERT INTO kpi_daily (tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at) VALUES " +
		strings.Join(rows, ", ")
	if _, err := w.DB().ExecContext(ctxT(t), w.DB().Rebind(q), args...); err != nil {
		t.Fatalf("inserting rollups: %v", err)
	}
}

// TestPurgeFindsRollupsOfOtherPolicies: purge removes every rollup
// expired before its cutoff whatever policy stamped it, including rows of
// recent days stamped under a shorter TTL, which no partition bound
// reveals; it keeps a partition holding a rollup stamped under a longer
// TTL, and the evidence names the oldest expiry left, weeks past the
// cutoff. Any cheaper index of kpi_daily.expires_at must keep this.
func TestPurgeFindsRollupsOfOtherPolicies(t *testing.T) {
	cfg := warehouse.Config{KPIs: allKPIs, KPITTL: 60 * 24 * time.Hour}
	dialects(t, cfg, func(t *testing.T, w *warehouse.Warehouse) {
		c := &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)}
		warehouse.SetNow(w, c.now)
		old := time.Date(2024, 11, 4, 0, 0, 0, 0, time.UTC)   // a Monday
		recent := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC) // a Monday
		if err := warehouse.EnsurePartitions(w, "kpi_daily", old, recent.Add(7*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		ttl := func(d time.Time, days int) time.Time { return d.Add(time.Duration(days+1) * 24 * time.Hour) }
		// Current policy (60 days): kept.
		insertRollups(t, w, recent.AddDate(0, 0, -2), 400, ttl(recent.AddDate(0, 0, -2), 60), "cur")
		insertRollups(t, w, recent, 400, ttl(recent, 60), "now")
		// A shorter policy once (5 days): expired by the cutoff below,
		// in a partition far from droppable.
		insertRollups(t, w, recent.AddDate(0, 0, 1), 20, ttl(recent.AddDate(0, 0, 1), 5), "short")
		// An old partition: one rollup of the current policy (expired)
		// and one of a longer one (400 days), which keeps it.
		insertRollups(t, w, old, 1, ttl(old, 60), "oldcur")
		insertRollups(t, w, old.AddDate(0, 0, 2), 1, ttl(old.AddDate(0, 0, 2), 400), "oldlong")

		c.add(15 * 24 * time.Hour) // 2025-03-20 10:00
		run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{BatchSize: 7})
		if err != nil || run.Verified == nil || !*run.Verified {
			t.Fatalf("Purge() = %v, verified %v; want verified", err, run.Verified)
		}
		var tr warehouse.TableResult
		for _, r := range run.Tables {
			if r.Table == "kpi_daily" {
				tr = r
			}
		}
		if tr.Removed() != 21 || tr.Remaining != 0 {
			t.Errorf("kpi_daily: removed %d, %d expired left; want 21, 0", tr.Removed(), tr.Remaining)
		}
		if got := countRows(t, w, "kpi_daily", ""); got != 801 {
			t.Errorf("kpi_daily holds %d rows after purge, want 801", got)
		}
		if got := countRows(t, w, "kpi_daily", "rep LIKE 'short%' OR rep LIKE 'oldcur%'"); got != 0 {
			t.Errorf("%d expired rollups left, want 0", got)
		}
		if got := countRows(t, w, "kpi_daily", "rep LIKE 'oldlong%'"); got != 1 {
			t.Errorf("%d rollups of the longer policy left, want 1", got)
		}
		want := ttl(recent.AddDate(0, 0, -2), 60) // 2025-05-02, six weeks past the cutoff
		if tr.OldestRemaining == nil || !tr.OldestRemaining.Equal(want) {
			t.Errorf("oldest expiry left = %v, want %v", tr.OldestRemaining, want)
		}

		// Everything expires: the last purge leaves kpi_daily empty and
		// finds no oldest expiry.
		c.add(500 * 24 * time.Hour)
		run, err = w.Purge(ctxT(t), warehouse.PurgeOptions{})
		if err != nil || run.Verified == nil || !*run.Verified {
			t.Fatalf("second Purge() = %v, verified %v; want verified", err, run.Verified)
		}
		if got := countRows(t, w, "kpi_daily", ""); got != 0 {
			t.Errorf("kpi_daily holds %d rows after the last purge, want 0", got)
		}
		for _, r := range run.Tables {
			if r.Table == "kpi_daily" && r.OldestRemaining != nil {
				t.Errorf("oldest expiry left in an empty kpi_daily = %v, want none", r.OldestRemaining)
			}
		}
	})
}
