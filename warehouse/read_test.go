package warehouse_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/warehouse"
)

func dec(s string) decimal.Decimal { return decimal.MustParse(s) }

func TestKPIRowsAndCounts(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		usd := wonDeal("s", 5)
		usd["currency"] = "USD"
		open := wonDeal("s", 7)
		open["is_won"], open["owner_id"] = false, "rep2"
		write(t, w, upsert("a", 1, wonDeal("s", 10)), upsert("b", 1, wonDeal("s", 2.5)), upsert("c", 1, usd), upsert("d", 1, open),
			pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "lead", Key: "l1", Op: pipeline.OpUpsert, Version: version(1),
				Fields: map[string]any{"owner_id": "rep1", "created_at": day(1)}})
		ctx := ctxT(t)
		got, err := w.KPIRows(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		d1, d3 := day(1).Format(time.DateOnly), day(3).Format(time.DateOnly)
		want := []warehouse.KPIRow{
			{Rep: "rep1", Day: d3, Metric: "deals_won", Value: dec("3"), N: 3},
			{Rep: "rep1", Day: d3, Metric: "revenue_won", Currency: "EUR", Value: dec("12.5"), N: 2},
			{Rep: "rep1", Day: d3, Metric: "revenue_won", Currency: "USD", Value: dec("5"), N: 1},
			{Rep: "rep1", Day: d1, Metric: "leads_created", Value: dec("1"), N: 1},
			{Rep: "rep1", Day: d1, Metric: "pipeline_created", Currency: "EUR", Value: dec("12.5"), N: 2},
			{Rep: "rep1", Day: d1, Metric: "pipeline_created", Currency: "USD", Value: dec("5"), N: 1},
			{Rep: "rep2", Day: d1, Metric: "pipeline_created", Currency: "EUR", Value: dec("7"), N: 1},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("KPIRows (-want +got):\n%s", diff)
		}
		counts, err := w.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantCounts := map[string]int64{"deal_facts": 4, "lead_facts": 1, "user_facts": 0, "activity_facts": 0, "placement_facts": 0, "kpi_daily": 7,
			"quarantine": 0, "consumer_offsets": 0, "sync_cursors": 0, "schema_migrations": int64(migrationCount(t, w.Driver()))}
		if diff := cmp.Diff(wantCounts, counts); diff != "" {
			t.Errorf("Counts (-want +got):\n%s", diff)
		}
	})
}
