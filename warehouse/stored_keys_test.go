package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

// TestStoredKeysListsOneStream: StoredKeys lists every key of the
// stream's facts across page boundaries, and none of another tenant,
// connector or object.
func TestStoredKeysListsOneStream(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		const n = 10_003 // past one page of 10000
		var recs, want []string
		var batch []pipeline.Record
		for i := range n {
			k := fmt.Sprintf("k1_%026d", i)
			batch = append(batch, upsert(k, 1, wonDeal("s1", 1)))
			want = append(want, k)
		}
		other := func(r pipeline.Record, tenant, source, object string) pipeline.Record {
			r.Tenant, r.Source, r.Object = tenant, source, object
			return r
		}
		batch = append(batch,
			other(upsert("k1_other-tenant", 1, wonDeal("s1", 1)), "t2", "hubspot", "deal"),
			other(upsert("k1_other-source", 1, wonDeal("s1", 1)), "t1", "salesforce", "deal"),
			other(upsert("k1_other-object", 1, map[string]any{"lead_source": "web"}), "t1", "hubspot", "lead"))
		write(t, w, batch...)
		pages := 0
		err := w.StoredKeys(ctxT(t), pipeline.Stream{Tenant: "t1", Source: "hubspot", Object: "deal"}, func(keys []string) error {
			pages++
			recs = append(recs, keys...)
			return nil
		})
		if err != nil {
			t.Fatalf("StoredKeys = %v", err)
		}
		slices.Sort(recs)
		if !slices.Equal(recs, want) || pages != 2 {
			t.Errorf("StoredKeys listed %d keys in %d pages, want the stream's %d in 2", len(recs), pages, n)
		}
		stop := errors.New("stop")
		if err := w.StoredKeys(ctxT(t), pipeline.Stream{Tenant: "t1", Source: "hubspot", Object: "deal"},
			func([]string) error { return stop }); err != stop {
			t.Errorf("StoredKeys with a failing fn = %v, want its error", err)
		}
		if err := w.StoredKeys(context.Background(), pipeline.Stream{Tenant: "t1", Source: "x", Object: "invoice"},
			func([]string) error { return nil }); err == nil {
			t.Error("StoredKeys of an object without a fact table = nil, want an error")
		}
	})
}
