package warehouse_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

// TestLatestKPIRows checks that LatestKPIRows returns exactly the rows of
// KPIRows that belong to its first n rep-days (a rep's or, without a rep,
// a dimension's day), for every n.
func TestLatestKPIRows(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		var recs []pipeline.Record
		for i := range 12 {
			d := wonDeal("s", float64(10+i))
			d["created_at"], d["close_date"] = day(1+i%4), day(2+i%3)
			d["owner_id"] = fmt.Sprintf("rep%d", i%3)
			if i%5 == 0 {
				delete(d, "owner_id")
			}
			recs = append(recs, upsert(fmt.Sprintf("d%d", i), 1, d))
		}
		for i, src := range []string{"web", "event", "web"} {
			recs = append(recs, pipeline.Record{Tenant: "t1", Source: "hubspot", Object: "lead", Key: fmt.Sprintf("l%d", i),
				Op: pipeline.OpUpsert, Version: version(1), Fields: map[string]any{"lead_source": src, "created_at": day(4)}})
		}
		write(t, w, recs...)
		ctx := ctxT(t)
		all, err := w.KPIRows(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		keys := 0
		for n := 1; n <= len(all)+1; n++ {
			want, k := firstRepDays(all, n)
			keys = k
			got, err := w.LatestKPIRows(ctx, "t1", n)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("LatestKPIRows(%d) (-want +got):\n%s", n, diff)
			}
		}
		if keys < 8 {
			t.Fatalf("only %d rep-days written, want a table that needs a limit", keys)
		}
	})
}

// firstRepDays keeps the rows of the first n rep-days of rows (in
// KPIRows order), as the demo's KPI table reads them, and returns how
// many rep-days rows has in all.
func firstRepDays(rows []warehouse.KPIRow, n int) ([]warehouse.KPIRow, int) {
	type repDay struct{ rep, dim, day string }
	ordinal := map[repDay]int{}
	var out []warehouse.KPIRow
	for _, r := range rows {
		k := repDay{r.Rep, "", r.Day}
		if r.Rep == "" {
			k.dim = r.Dimension
		}
		if _, ok := ordinal[k]; !ok {
			ordinal[k] = len(ordinal)
		}
		if ordinal[k] < n {
			out = append(out, r)
		}
	}
	return out, len(ordinal)
}
