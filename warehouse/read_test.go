package warehouse_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

func TestKPITableAndCounts(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		usd := wonDeal("s", 5)
		usd["currency"] = "USD"
		open := wonDeal("s", 7)
		open["is_won"], open["owner_id"] = false, "rep2"
		write(t, w, upsert("a", 1, wonDeal("s", 10)), upsert("b", 1, wonDeal("s", 2.5)), upsert("c", 1, usd), upsert("d", 1, open),
			pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "lead", Key: "l1", Op: pipeline.OpUpsert, Version: version(1),
				Fields: map[string]any{"owner_id": "rep1", "created_at": day(1)}})
		ctx := ctxT(t)
		got, err := w.KPITable(ctx, "t1", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []warehouse.KPIRow{
			{Day: day(3), Rep: "rep1", DealsWon: 3, RevenueWon: map[string]float64{"EUR": 12.5, "USD": 5}, PipelineCreated: map[string]float64{}},
			{Day: day(1), Rep: "rep1", RevenueWon: map[string]float64{}, PipelineCreated: map[string]float64{"EUR": 12.5, "USD": 5}},
			{Day: day(1), Rep: "rep2", RevenueWon: map[string]float64{}, PipelineCreated: map[string]float64{"EUR": 7}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("KPITable (-want +got):\n%s", diff)
		}
		if got, _ := w.KPITable(ctx, "t1", 1); len(got) != 1 || !got[0].Day.Equal(day(3)) {
			t.Errorf("KPITable(limit 1) = %v, want the newest row", got)
		}
		counts, err := w.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts := map[string]int64{"deal_facts": 4, "lead_facts": 1, "user_facts": 0, "activity_facts": 0, "placement_facts": 0, "kpi_daily": 7,
			"quarantine": 0, "consumer_offsets": 0, "sync_cursors": 0, "schema_migrations": 2}
		if diff := cmp.Diff(wantCounts, counts); diff != "" {
			t.Errorf("Counts (-want +got):\n%s", diff)
		}
	})
}
