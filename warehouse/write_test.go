package warehouse_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

func TestWriteVersions(t *testing.T) {
	tests := []struct {
		name    string
		batches [][]pipeline.Record
		want    map[string]string // key → stage
	}{
		{"insert", [][]pipeline.Record{{upsert("a", 1, wonDeal("s1", 10))}}, map[string]string{"a": "s1"}},
		{"newer replaces", [][]pipeline.Record{
			{upsert("a", 1, wonDeal("s1", 10))}, {upsert("a", 2, wonDeal("s2", 20))},
		}, map[string]string{"a": "s2"}},
		{"older ignored", [][]pipeline.Record{
			{upsert("a", 2, wonDeal("s2", 20))}, {upsert("a", 1, wonDeal("s1", 10))},
		}, map[string]string{"a": "s2"}},
		{"equal ignored", [][]pipeline.Record{
			{upsert("a", 2, wonDeal("s2", 20))}, {upsert("a", 2, wonDeal("other", 99))},
		}, map[string]string{"a": "s2"}},
		{"in-batch order", [][]pipeline.Record{
			{upsert("a", 2, wonDeal("s2", 20)), upsert("a", 1, wonDeal("s1", 10)), upsert("a", 3, wonDeal("s3", 30))},
		}, map[string]string{"a": "s3"}},
		{"delete", [][]pipeline.Record{
			{upsert("a", 1, wonDeal("s1", 10)), upsert("b", 1, wonDeal("s1", 5))}, {del("a", 2)},
		}, map[string]string{"b": "s1"}},
		{"delete with equal version", [][]pipeline.Record{{upsert("a", 2, wonDeal("s1", 10))}, {del("a", 2)}}, map[string]string{}},
		{"older delete ignored", [][]pipeline.Record{{upsert("a", 2, wonDeal("s2", 10))}, {del("a", 1)}}, map[string]string{"a": "s2"}},
		{"delete of unknown key", [][]pipeline.Record{{del("zz", 1)}}, map[string]string{}},
		{"upsert then delete in batch", [][]pipeline.Record{{upsert("a", 1, wonDeal("s1", 10)), del("a", 2)}}, map[string]string{}},
		{"older upsert after in-batch delete", [][]pipeline.Record{
			{upsert("a", 1, wonDeal("s1", 10))}, {del("a", 3), upsert("a", 2, wonDeal("s2", 10))},
		}, map[string]string{}},
		{"recreate after delete", [][]pipeline.Record{
			{upsert("a", 1, wonDeal("s1", 10))}, {del("a", 2), upsert("a", 3, wonDeal("s3", 7))},
		}, map[string]string{"a": "s3"}},
		{"fields cleared", [][]pipeline.Record{
			{upsert("a", 1, wonDeal("s1", 10))}, {upsert("a", 2, map[string]any{"stage": "bare"})},
		}, map[string]string{"a": "bare"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
				for _, b := range tc.batches {
					write(t, w, b...)
					assertConsistent(t, w, allKPIs)
				}
				if diff := cmp.Diff(tc.want, dealStages(t, w)); diff != "" {
					t.Errorf("stored deals (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func TestWriteRejectsBadRecords(t *testing.T) {
	tests := []struct {
		name string
		rec  pipeline.Record
	}{
		{"unknown object", pipeline.Record{Tenant: "t1", Object: "widget", Key: "k", Op: pipeline.OpUpsert, Version: version(1)}},
		{"no key", pipeline.Record{Tenant: "t1", Object: "deal", Op: pipeline.OpUpsert, Version: version(1)}},
		{"no version", pipeline.Record{Tenant: "t1", Object: "deal", Key: "k", Op: pipeline.OpUpsert}},
		{"bad op", pipeline.Record{Tenant: "t1", Object: "deal", Key: "k", Op: "merge", Version: version(1)}},
		{"wrong type", upsert("k", 1, map[string]any{"amount": "SECRET-AMOUNT-TEXT"})},
	}
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		for _, tc := range tests {
			err := w.Write(ctxT(t), pipeline.Batch{Records: []pipeline.Record{tc.rec}})
			if err == nil {
				t.Errorf("Write(%s) = nil error, want an error", tc.name)
				continue
			}
			if contains(err.Error(), "SECRET") {
				t.Errorf("Write(%s) error %q echoes a value", tc.name, err)
			}
		}
	})
}

func TestWriteStoresOnlySchemaFields(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		f := wonDeal("s1", 10)
		f["name"] = "Deal with Alice Secretperson"
		f["description"] = "call alice@example.com"
		f["id"] = "raw-source-id-123"
		write(t, w, upsert("k1_deal", 1, f),
			pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "user", Key: "k1_user", Op: pipeline.OpUpsert, Version: version(1),
				Fields: map[string]any{"email": "rep@example.com", "first_name": "Bob", "is_active": true}})
		all := allText(t, w)
		for _, v := range []string{"Alice", "alice@example.com", "raw-source-id-123", "rep@example.com", "Bob"} {
			if contains(all, v) {
				t.Errorf("warehouse holds %q, a field no table may store", v)
			}
		}
	})
}

// TestReloadUpdatedTenth loads 400 deals, then re-loads newer versions
// of 10% of them (moved to other days and reps, so their rollups move)
// mixed with stale older versions of another 10% and of some updated
// keys (in the same batches, in shuffled order); then
// replays the whole re-load. Every stored fact must hold its newest
// version, once, and kpi_daily must equal the GROUP BY over the facts
// after every batch.
func TestReloadUpdatedTenth(t *testing.T) {
	const n = 400
	deal := func(j, v int) pipeline.Record {
		f := wonDeal(fmt.Sprintf("v%d", v), float64(j)+0.25+float64(v))
		f["owner_id"] = fmt.Sprintf("rep%d", (j+v)%5)
		f["close_date"] = day(1 + (j+v)%28)
		f["created_at"] = day(1 + j%28)
		f["is_won"] = (j+v)%3 == 0
		return upsert(fmt.Sprintf("k%03d", j), v, f)
	}
	var load, reload []pipeline.Record
	want := map[string]string{}
	for j := 0; j < n; j++ {
		load = append(load, deal(j, 10))
		want[fmt.Sprintf("k%03d", j)] = "v10"
		switch {
		case j%10 == 0:
			reload = append(reload, deal(j, 20))
			want[fmt.Sprintf("k%03d", j)] = "v20"
			if j%20 == 0 {
				reload = append(reload, deal(j, 15)) // older than the one before it
			}
		case j%10 == 5:
			reload = append(reload, deal(j, 5)) // older than the stored one
		}
	}
	// In any order the newest version wins.
	rand.New(rand.NewSource(7)).Shuffle(len(reload), func(a, b int) { reload[a], reload[b] = reload[b], reload[a] })
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		for start := 0; start < len(load); start += 150 {
			write(t, w, load[start:min(start+150, len(load))]...)
		}
		assertConsistent(t, w, allKPIs)
		for pass := 0; pass < 2; pass++ { // the second pass is a replay
			for start := 0; start < len(reload); start += 25 {
				write(t, w, reload[start:min(start+25, len(reload))]...)
				assertConsistent(t, w, allKPIs)
			}
			if diff := cmp.Diff(want, dealStages(t, w)); diff != "" {
				t.Fatalf("pass %d: stored versions (-want +got):\n%s", pass, diff)
			}
			if got := countRows(t, w, "deal_facts", ""); got != n {
				t.Fatalf("pass %d: deal_facts holds %d rows, want %d (one per key)", pass, got, n)
			}
		}
		// Amounts are stored exactly, the newest version's.
		var amount string
		if err := w.DB().GetContext(ctxT(t), &amount, "SELECT CAST(amount AS TEXT) FROM deal_facts WHERE key = 'k010'"); err != nil {
			t.Fatal(err)
		}
		if amount != "30.25" {
			t.Errorf("amount of k010 = %s, want 30.25 (version 20)", amount)
		}
	})
}
