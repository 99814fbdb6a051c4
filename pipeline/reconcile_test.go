package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// memKeys is a KeyMapper over "v<version>:<object>:<id>" keys.
type memKeys struct{}

func (memKeys) KeyVersion(key string) (int, bool) {
	v, _, ok := strings.Cut(key, ":")
	n, err := strconv.Atoi(strings.TrimPrefix(v, "v"))
	return n, ok && strings.HasPrefix(v, "v") && err == nil
}

func (memKeys) Key(tenant, object, id string, version int) (string, error) {
	return fmt.Sprintf("v%d:%s:%s", version, object, id), nil
}

// memSink holds stored keys and records the batches written.
type memSink struct {
	Sink
	stored  []string
	batches []Batch
}

func (m *memSink) StoredKeys(_ context.Context, _ Stream, fn func([]string) error) error {
	for page := range slices.Chunk(m.stored, 1000) {
		// Fresh strings, as a database scan returns.
		page = slices.Clone(page)
		for i := range page {
			page[i] = strings.Clone(page[i])
		}
		if err := fn(page); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSink) Write(_ context.Context, b Batch) error {
	m.batches = append(m.batches, b)
	return nil
}

// memLister lists ids, then fails with err when set.
type memLister struct {
	ids []string
	err error
}

func (l memLister) ListIDs(_ context.Context, _ string, fn func([]string) error) error {
	if err := fn(l.ids); err != nil {
		return err
	}
	return l.err
}

func deletedKeys(batches []Batch) []string {
	var out []string
	for _, b := range batches {
		for _, r := range b.Records {
			if r.Op != OpDelete || r.Key == "" || r.Version.IsZero() {
				panic("reconcile wrote something other than a keyed, versioned delete")
			}
			out = append(out, r.Key)
		}
	}
	return out
}

// TestReconcileStream: stored keys of every version that a listed id
// maps to stay; the others are deleted, except keys the mapper does not
// recognize; an incomplete listing and a dry run delete nothing.
func TestReconcileStream(t *testing.T) {
	stored := []string{"v1:deal:a", "v2:deal:a", "v1:deal:b", "v2:deal:c", "v1:deal:gone", "v2:deal:gone2", "legacy-key"}
	s := Stream{"acme", "sf", "deal"}
	tests := []struct {
		name        string
		lister      memLister
		opts        ReconcileOptions
		wantDeleted []string
		wantErr     bool
	}{
		{"deletes what no id maps to", memLister{ids: []string{"a", "b", "c", "new"}}, ReconcileOptions{},
			[]string{"v1:deal:gone", "v2:deal:gone2"}, false},
		{"dry run", memLister{ids: []string{"a", "b", "c"}}, ReconcileOptions{DryRun: true}, nil, false},
		{"incomplete listing", memLister{ids: []string{"a"}, err: ErrQuota}, ReconcileOptions{}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &memSink{stored: stored}
			r := &Runner{Sink: sink, Keys: memKeys{}, Logger: slog.New(slog.DiscardHandler), Stats: NewStats()}
			rep, err := r.reconcileStream(context.Background(), s, tc.lister, sink, tc.opts)
			if (err != nil) != tc.wantErr {
				t.Fatalf("reconcileStream(%s) = %v, want error %v", tc.name, err, tc.wantErr)
			}
			if got := deletedKeys(sink.batches); !slices.Equal(got, tc.wantDeleted) {
				t.Errorf("reconcileStream(%s) deleted %v, want %v", tc.name, got, tc.wantDeleted)
			}
			if tc.wantErr {
				return
			}
			if rep.Stored != 6 || rep.Unrecognized != 1 || rep.Missing != 2 || rep.Deleted != len(tc.wantDeleted) {
				t.Errorf("report = %+v, want 6 stored, 1 unrecognized, 2 missing, %d deleted", rep, len(tc.wantDeleted))
			}
		})
	}
}

// TestReconcileDeletesInBoundedBatches: 2500 hard deletes are written
// in sink transactions of at most 1000.
func TestReconcileDeletesInBoundedBatches(t *testing.T) {
	sink := &memSink{}
	for i := range 2500 {
		sink.stored = append(sink.stored, fmt.Sprintf("v1:deal:%05d", i))
	}
	r := &Runner{Sink: sink, Keys: memKeys{}, Logger: slog.New(slog.DiscardHandler), Stats: NewStats()}
	rep, err := r.reconcileStream(context.Background(), Stream{"acme", "sf", "deal"}, memLister{}, sink, ReconcileOptions{})
	if err != nil || rep.Deleted != 2500 {
		t.Fatalf("reconcileStream = %+v, %v, want 2500 deleted", rep, err)
	}
	var sizes []int
	for _, b := range sink.batches {
		sizes = append(sizes, len(b.Records))
	}
	if !slices.Equal(sizes, []int{1000, 1000, 500}) {
		t.Errorf("batch sizes %v, want [1000 1000 500]", sizes)
	}
}

type plainSource struct{ Source }

// TestReconcilePreconditions: an unknown binding or a source that cannot
// list ids is a configuration error; outside Run or ReconcileOnce there
// is no consumer to wait for.
func TestReconcilePreconditions(t *testing.T) {
	sink := &memSink{}
	r := &Runner{Sink: sink, Keys: memKeys{}, Bindings: []Binding{
		{Tenant: "acme", Name: "plain", Source: plainSource{}},
		{Tenant: "acme", Name: "lister", Source: struct {
			plainSource
			memLister
		}{}},
	}}
	ctx := context.Background()
	if _, err := r.Reconcile(ctx, "acme", "nosuch", ReconcileOptions{}); !errors.Is(err, ErrConfig) {
		t.Errorf("Reconcile(unknown connector) = %v, want ErrConfig", err)
	}
	if _, err := r.Reconcile(ctx, "acme", "plain", ReconcileOptions{}); !errors.Is(err, ErrConfig) {
		t.Errorf("Reconcile(source without ListIDs) = %v, want ErrConfig", err)
	}
	if _, err := r.Reconcile(ctx, "acme", "lister", ReconcileOptions{}); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Reconcile outside a run = %v, want ErrNotRunning", err)
	}
	r.Keys = nil
	if _, err := r.Reconcile(ctx, "acme", "lister", ReconcileOptions{}); !errors.Is(err, ErrConfig) {
		t.Errorf("Reconcile without a KeyMapper = %v, want ErrConfig", err)
	}
}
