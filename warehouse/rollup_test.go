package warehouse_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// rollupExpiries returns key → expires_at of every kpi_daily row, keys
// as in warehousetest.StoredRollups.
func rollupExpiries(t *testing.T, w *warehouse.Warehouse) map[string]time.Time {
	t.Helper()
	rows, err := w.DB().QueryContext(ctxT(t), "SELECT tenant, metric, day, rep, dimension, currency, expires_at FROM kpi_daily")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var tenant, metric, rep, dim, cur string
		var dayV, expV any
		if err := rows.Scan(&tenant, &metric, &dayV, &rep, &dim, &cur, &expV); err != nil {
			t.Fatal(err)
		}
		out[strings.Join([]string{tenant, metric, warehousetest.DayText(dayV), rep, dim, cur}, "|")] = asTime(t, expV)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func asTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x.UTC()
	case string:
		tm, err := time.Parse("2006-01-02T15:04:05.000000-07:00", x)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	t.Fatalf("time of type %T", v)
	return time.Time{}
}

// keyDay returns the day of a warehousetest.StoredRollups key.
func keyDay(t *testing.T, key string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, strings.Split(key, "|")[2])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRollupExpiresTTLAfterItsDay(t *testing.T) {
	cfg := warehouse.Config{KPIs: allKPIs, KPITTL: 60 * 24 * time.Hour,
		TenantTTLs: map[string]warehouse.TTLs{"t2": {KPIs: 90 * 24 * time.Hour}}}
	dialects(t, cfg, func(t *testing.T, w *warehouse.Warehouse) {
		c := &clock{t: testEpoch}
		warehouse.SetNow(w, c.now)
		t2 := upsert("b", 1, wonDeal("won", 20))
		t2.Tenant = "t2"
		write(t, w, upsert("a", 1, wonDeal("won", 10)), t2)
		first := rollupExpiries(t, w)
		if len(first) == 0 {
			t.Fatal("no rollups written")
		}
		for key, got := range first {
			ttl := 60 * 24 * time.Hour
			if strings.HasPrefix(key, "t2|") {
				ttl = 90 * 24 * time.Hour
			}
			if want := keyDay(t, key).Add(24*time.Hour + ttl); !got.Equal(want) {
				t.Errorf("rollup %s expires %v, want %v (end of its day + KPI TTL)", key, got, want)
			}
		}
		// A later update changes the value, not the expiry: it is a
		// function of the day, not of the write time.
		c.add(10 * 24 * time.Hour)
		write(t, w, upsert("a", 2, wonDeal("won", 15)))
		if diff := compareTimes(first, rollupExpiries(t, w)); diff != "" {
			t.Errorf("expiries moved on update: %s", diff)
		}
		if got := warehousetest.StoredRollups(t, w)["t1|revenue_won|2024-05-03|rep1||EUR"]; got.Value != 15 || got.N != 1 {
			t.Errorf("revenue_won after update = %+v, want value 15 n 1", got)
		}
		assertConsistent(t, w, allKPIs)
	})
}

func compareTimes(want, got map[string]time.Time) string {
	var b strings.Builder
	for k, w := range want {
		if g, ok := got[k]; !ok || !g.Equal(w) {
			b.WriteString(k + ": " + w.String() + " -> " + g.String() + "; ")
		}
	}
	if len(got) != len(want) {
		b.WriteString("row count changed")
	}
	return b.String()
}

func TestRollupsPastRetentionAreNotKept(t *testing.T) {
	// With a 30-day KPI TTL at testEpoch (2024-06-02 00:00), day(1) and
	// day(2) are past retention, day(3) expires on 2024-06-03.
	cfg := warehouse.Config{KPIs: allKPIs, KPITTL: 30 * 24 * time.Hour}
	dialects(t, cfg, func(t *testing.T, w *warehouse.Warehouse) {
		c := &clock{t: testEpoch}
		warehouse.SetNow(w, c.now)
		live := func(day time.Time) bool { return day.Add(24*time.Hour + 30*24*time.Hour).After(c.now()) }
		write(t, w, upsert("a", 1, wonDeal("won", 10))) // closed day(3), created day(1)
		if got := countRows(t, w, "deal_facts", ""); got != 1 {
			t.Fatalf("deal_facts holds %d rows, want 1: the fact is kept", got)
		}
		got := warehousetest.StoredRollups(t, w)
		for _, key := range []string{"t1|deals_won|2024-05-03|rep1||", "t1|revenue_won|2024-05-03|rep1||EUR"} {
			if _, ok := got[key]; !ok {
				t.Errorf("rollup %s (within retention) missing", key)
			}
		}
		if _, ok := got["t1|pipeline_created|2024-05-01|rep1||EUR"]; ok {
			t.Errorf("rollup of day(1), past retention, was written")
		}
		assertConsistentLive(t, w, allKPIs, live)

		// day(3) expires; its rows wait for purge. An update touching
		// one of them costs nothing at write time: the row is neither
		// updated nor deleted (purge owns expiry, issue 12).
		c.add(36 * time.Hour)
		write(t, w, upsert("a", 2, wonDeal("won", 12)))
		got = warehousetest.StoredRollups(t, w)
		if r, ok := got["t1|revenue_won|2024-05-03|rep1||EUR"]; !ok || r.Value != 10 {
			t.Errorf("expired rollup revenue_won of day(3) = %+v, %v; want it left as it was (10) for purge", r, ok)
		}
		if _, ok := got["t1|deals_won|2024-05-03|rep1||"]; !ok {
			t.Errorf("untouched expired rollup deals_won of day(3) vanished before the purge")
		}
		assertConsistentLive(t, w, allKPIs, live)

		run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{})
		if err != nil || run.Verified == nil || !*run.Verified {
			t.Fatalf("Purge() = %v, verified %v", err, run.Verified)
		}
		if n, _ := removed(run, "kpi_daily"); n != 2 {
			t.Errorf("purge removed %d rollups, want 2 (deals_won and revenue_won of day(3))", n)
		}
		if got := countRows(t, w, "kpi_daily", ""); got != 0 {
			t.Errorf("kpi_daily holds %d rows after purge, want 0", got)
		}
		if got := countRows(t, w, "deal_facts", ""); got != 1 {
			t.Errorf("deal_facts holds %d rows after purge, want 1 (facts expire on their own TTL)", got)
		}
	})
}

func TestPurgeDropsWhollyExpiredRollupPartitions(t *testing.T) {
	w := onTestClock(warehousetest.OpenPostgres(t, warehouse.Config{KPIs: allKPIs, KPITTL: 30 * 24 * time.Hour}))
	c := &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)}
	warehouse.SetNow(w, c.now)
	mondays := []time.Time{
		time.Date(2025, 2, 10, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 17, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 2, 24, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC),
	}
	for i, d := range mondays {
		f := wonDeal("won", 10)
		f["close_date"], f["created_at"] = d.Add(2*24*time.Hour), d // Wednesday close, Monday creation
		write(t, w, upsert(fmt.Sprintf("d%d", i), 1, f))
	}
	perWeek := countRows(t, w, "kpi_daily", "day >= ? AND day < ?", mondays[0], mondays[1])
	if perWeek != 3 {
		t.Fatalf("week of %v holds %d rollups, want 3", mondays[0], perWeek)
	}
	// The four-week partition [01-27, 02-24) holds the first two weeks,
	// [02-24, 03-24) the last two. On 2025-03-28 12:00 every rollup of the
	// first has expired (the latest, 02-19's, on 03-22) and so has the
	// partition's range (its end plus the KPI TTL, 03-26); of the second,
	// 02-24's rollup has (03-27 00:00) but not 02-26's.
	c.t = time.Date(2025, 3, 28, 12, 0, 0, 0, time.UTC)
	run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{})
	if err != nil || run.Verified == nil || !*run.Verified {
		t.Fatalf("Purge() = %v, verified %v", err, run.Verified)
	}
	for _, tr := range run.Tables {
		if tr.Table != "kpi_daily" {
			continue
		}
		if tr.PartitionsDropped != 1 || tr.RowsDropped != 6 || tr.RowsDeleted != 1 {
			t.Errorf("kpi_daily evidence: %d partitions, %d rows dropped, %d deleted; want 1, 6, 1", tr.PartitionsDropped, tr.RowsDropped, tr.RowsDeleted)
		}
	}
	for _, p := range partitionsOf(t, w, "kpi_daily") {
		if !p.From.After(mondays[0]) && p.To.After(mondays[0]) {
			t.Errorf("partition %s of expired rollups survived the purge", p.Name)
		}
	}
	if got := countRows(t, w, "kpi_daily", ""); got != 5 {
		t.Errorf("kpi_daily holds %d rollups after purge, want 5", got)
	}
	live := func(d time.Time) bool { return d.Add(31 * 24 * time.Hour).After(c.now()) }
	assertConsistentLive(t, w, allKPIs, live)
}

func TestFarFutureRollupGoesToDefaultPartition(t *testing.T) {
	w := openPostgresOrSkip(t, warehouse.Config{KPIs: allKPIs})
	f := wonDeal("won", 10)
	f["close_date"] = testEpoch.AddDate(3, 0, 0) // a mistyped year
	write(t, w, upsert("a", 1, f))
	if got := countRows(t, w, "kpi_daily_pdefault", ""); got != 2 {
		t.Errorf("default partition holds %d rollups, want 2 (deals_won and revenue_won three years ahead)", got)
	}
	for _, p := range partitionsOf(t, w, "kpi_daily") {
		if p.From.After(testEpoch.AddDate(1, 1, 0)) {
			t.Errorf("write created partition %s for a day years ahead", p.Name)
		}
	}
	assertConsistent(t, w, allKPIs)
}
