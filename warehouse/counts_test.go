package warehouse_test

import (
	"testing"

	"github.com/tally-dev/tally/warehouse"
)

func TestErasureCounts(t *testing.T) {
	f := newSubjectFixture(t)
	ctx := ctxT(t)
	got, err := f.w.ErasureCounts(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("before any erasure: %v, %v; want none", got, err)
	}
	for _, r := range []warehouse.Request{{Tenant: "t1", SourceID: "c1", Object: "lead"}, {Tenant: "t1", SourceID: "u2", Object: "user"}} {
		if _, err := f.s.Erase(ctx, r); err != nil {
			t.Fatalf("Erase: %v", err)
		}
	}
	got, err = f.w.ErasureCounts(ctx)
	if err != nil || got["t1"] != 2 || len(got) != 1 {
		t.Fatalf("ErasureCounts = %v, %v; want t1: 2", got, err)
	}
}
