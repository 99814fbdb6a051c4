package warehouse_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func allText(t *testing.T, w *warehouse.Warehouse) string {
	t.Helper()
	s, err := warehousetest.AllText(ctxT(t), w.DB())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var stream = pipeline.Stream{Tenant: "t1", Source: "hubspot", Object: "deal"}

func fullBatch(offset int64, seq int64, recs ...pipeline.Record) pipeline.Batch {
	tp := pipeline.TopicPartition{Topic: "tally.t1.hubspot.deal", Partition: 0}
	return pipeline.Batch{
		Records:    recs,
		Quarantine: []pipeline.Quarantined{{Tenant: "t1", Source: "hubspot", Object: "deal", Stage: "guard", Field: "stage", Rule: "email", Position: pipeline.Position{Topic: tp.Topic, Offset: offset - 1}}},
		Offsets:    map[pipeline.TopicPartition]int64{tp: offset},
		Checkpoints: []pipeline.PartitionCheckpoint{
			{Checkpoint: pipeline.Checkpoint{Tenant: "t1", Source: "hubspot", Object: "deal", Seq: seq, Cursor: "c" + string(rune('0'+seq))}, Partition: 0},
		},
	}
}

func TestReplayIsANoOp(t *testing.T) {
	dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
		b := fullBatch(10, 1,
			upsert("a", 1, wonDeal("s1", 10)), upsert("b", 2, wonDeal("s1", 20)),
			upsert("a", 3, wonDeal("s2", 15)), del("b", 4), upsert("c", 1, wonDeal("s3", 1.25)))
		b.Quarantine = nil // quarantine rows are appended per delivery by design
		ctx := ctxT(t)
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		first := dump(t, w)
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		if second := dump(t, w); second != first {
			t.Errorf("Dump after replay:\n%s\nwant:\n%s", second, first)
		}
		assertConsistent(t, w, allKPIs)
	})
}

func TestFailedWriteLeavesNothing(t *testing.T) {
	steps := []string{"facts", "kpi", "quarantine", "offsets", "checkpoints", "cancel"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			dialects(t, warehouse.Config{KPIs: allKPIs}, func(t *testing.T, w *warehouse.Warehouse) {
				write(t, w, upsert("a", 1, wonDeal("s1", 10)))
				before := dump(t, w)
				ctx, cancel := context.WithCancel(ctxT(t))
				defer cancel()
				injected := errors.New("injected")
				warehouse.SetFailAt(w, func(s string) error {
					if step == "cancel" && s == "facts" {
						cancel() // the next statement runs under a cancelled context
						return nil
					}
					if s == step {
						return injected
					}
					return nil
				})
				err := w.Write(ctx, fullBatch(10, 1, upsert("a", 2, wonDeal("s2", 20)), upsert("b", 1, wonDeal("s1", 5))))
				if err == nil {
					t.Fatal("Write = nil error, want the injected failure")
				}
				warehouse.SetFailAt(w, nil)
				if after := dump(t, w); after != before {
					t.Errorf("Dump after failed Write:\n%s\nwant:\n%s", after, before)
				}
				offs, err := w.Offsets(ctxT(t), []string{"tally.t1.hubspot.deal"})
				if err != nil || len(offs) != 0 {
					t.Errorf("Offsets = %v, %v; want none", offs, err)
				}
				if c, err := w.Cursor(ctxT(t), stream, 1); err != nil || c != "" {
					t.Errorf("Cursor = %q, %v; want \"\"", c, err)
				}
			})
		})
	}
}

func TestOffsetsAndCursor(t *testing.T) {
	dialects(t, warehouse.Config{}, func(t *testing.T, w *warehouse.Warehouse) {
		ctx := ctxT(t)
		tp := func(p int) pipeline.TopicPartition { return pipeline.TopicPartition{Topic: "tp", Partition: p} }
		cp := func(p int, seq int64, cursor string) pipeline.PartitionCheckpoint {
			return pipeline.PartitionCheckpoint{Checkpoint: pipeline.Checkpoint{Tenant: "t1", Source: "hubspot", Object: "deal", Seq: seq, Cursor: cursor}, Partition: p}
		}
		batches := []pipeline.Batch{
			{Offsets: map[pipeline.TopicPartition]int64{tp(0): 10, tp(1): 4}, Checkpoints: []pipeline.PartitionCheckpoint{cp(0, 1, "one"), cp(0, 2, "two")}},
			{Offsets: map[pipeline.TopicPartition]int64{tp(0): 7}, Checkpoints: []pipeline.PartitionCheckpoint{cp(1, 3, "three")}},
		}
		for _, b := range batches {
			if err := w.Write(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		offs, err := w.Offsets(ctx, []string{"tp", "other"})
		if err != nil {
			t.Fatal(err)
		}
		if offs[tp(0)] != 10 || offs[tp(1)] != 4 || len(offs) != 2 {
			t.Errorf("Offsets = %v, want tp/0=10 (never backwards), tp/1=4", offs)
		}
		for _, tc := range []struct {
			partitions int
			want       string
		}{{1, "two"}, {2, "two"}, {3, ""}, {0, ""}} {
			got, err := w.Cursor(ctx, stream, tc.partitions)
			if err != nil || got != tc.want {
				t.Errorf("Cursor(%d) = %q, %v; want %q", tc.partitions, got, err, tc.want)
			}
		}
		// A checkpoint with a lower Seq (a replay) never moves the cursor back.
		if err := w.Write(ctx, pipeline.Batch{Checkpoints: []pipeline.PartitionCheckpoint{cp(0, 1, "one")}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.Cursor(ctx, stream, 2); got != "two" {
			t.Errorf("Cursor after replayed checkpoint = %q, want two", got)
		}
	})
}
