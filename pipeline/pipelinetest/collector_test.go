package pipelinetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

func recs(ids ...string) []pipeline.Record {
	out := make([]pipeline.Record, len(ids))
	for i, id := range ids {
		out[i] = pipeline.Record{ID: id}
	}
	return out
}

func recordIDs(rs []pipeline.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func TestCollectorKeepsPages(t *testing.T) {
	var c Collector
	ctx := context.Background()
	in := recs("a", "b")
	for _, p := range []Page{{in, "c1"}, {recs("c"), ""}, {nil, "c3"}, {recs("d"), ""}} {
		if err := c.Emit(ctx, p.Records, p.Cursor); err != nil {
			t.Fatalf("Emit got %v, want nil", err)
		}
	}
	in[0].ID = "changed" // the collector keeps a copy
	tests := []struct {
		name      string
		got, want any
	}{
		{"Len", c.Len(), 4},
		{"Records", recordIDs(c.Records()), []string{"a", "b", "c", "d"}},
		{"RecordsFrom", recordIDs(c.RecordsFrom(1)), []string{"c", "d"}},
		{"Cursors", c.Cursors(), []string{"c1", "", "c3", ""}},
		{"Last", c.Last(), ""},
		{"Resume", c.Resume(), "c3"},
	}
	for _, tt := range tests {
		if !equal(tt.got, tt.want) {
			t.Errorf("%s got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func equal(a, b any) bool {
	as, ok1 := a.([]string)
	bs, ok2 := b.([]string)
	if ok1 && ok2 {
		return slices.Equal(as, bs)
	}
	return a == b
}

func TestCollectorEmpty(t *testing.T) {
	var c Collector
	if got := c.Last(); got != "" {
		t.Errorf("Last of empty got %q, want empty", got)
	}
	if got := c.Resume(); got != "" {
		t.Errorf("Resume of empty got %q, want empty", got)
	}
}

func TestCollectorHooks(t *testing.T) {
	stop := errors.New("stop")
	var seen []int
	c := Collector{
		Hook: func(n int) error {
			if n == 2 {
				return stop
			}
			return nil
		},
		OnPage: func(n int) { seen = append(seen, n) },
	}
	ctx := context.Background()
	for i, want := range []error{nil, nil, stop} {
		if err := c.Emit(ctx, recs("x"), "c"); !errors.Is(err, want) {
			t.Fatalf("Emit %d got %v, want %v", i, err, want)
		}
	}
	if c.Len() != 2 || !slices.Equal(seen, []int{1, 2}) {
		t.Errorf("after a failing hook got %d pages and OnPage %v, want 2 pages and [1 2]", c.Len(), seen)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Emit(canceled, recs("y"), "c"); !errors.Is(err, context.Canceled) {
		t.Errorf("Emit after cancel got %v, want context.Canceled", err)
	}
	if c.Len() != 2 {
		t.Errorf("Emit after cancel kept a page: got %d pages, want 2", c.Len())
	}
}

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("Now got %v, want %v", got, t0)
	}
	c.Add(time.Hour)
	if got, want := c.Now(), t0.Add(time.Hour); !got.Equal(want) {
		t.Errorf("after Add got %v, want %v", got, want)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("after Set got %v, want %v", got, t0)
	}
}

func TestIDs(t *testing.T) {
	up := pipeline.OpUpsert
	rs := []pipeline.Record{{ID: "b", Op: up}, {ID: "a", Op: up}, {ID: "b", Op: up}, {ID: "c", Op: pipeline.OpDelete}}
	tests := []struct {
		op   pipeline.Op
		want []string
	}{
		{pipeline.OpUpsert, []string{"a", "b"}},
		{pipeline.OpDelete, []string{"c"}},
	}
	for _, tt := range tests {
		if got := IDs(rs, tt.op); !slices.Equal(got, tt.want) {
			t.Errorf("IDs(%v) got %v, want %v", tt.op, got, tt.want)
		}
	}
}
