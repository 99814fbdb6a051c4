package cursors_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/cursors"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// secretCursor stands for what vendors put in cursors: a record value.
const secretCursor = "after=jane.doe@example.org"

// commit stores a checkpoint of seq for each of partitions 0..n-1.
func commit(t *testing.T, w *warehouse.Warehouse, s pipeline.Stream, n int, seq int64, cursor string) {
	t.Helper()
	var cps []pipeline.PartitionCheckpoint
	for p := range n {
		cps = append(cps, pipeline.PartitionCheckpoint{Partition: p,
			Checkpoint: pipeline.Checkpoint{Tenant: s.Tenant, Source: s.Source, Object: s.Object, Seq: seq, Cursor: cursor}})
	}
	if err := w.Write(ctxT(t), pipeline.Batch{Checkpoints: cps}); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func cursorOf(t *testing.T, w *warehouse.Warehouse, s pipeline.Stream, n int) string {
	t.Helper()
	c, err := w.Cursor(ctxT(t), s, n)
	if err != nil {
		t.Fatalf("Cursor: %v", err)
	}
	return c
}

var (
	deals  = pipeline.Stream{Tenant: "acme", Source: "csv", Object: "deal"}
	leads  = pipeline.Stream{Tenant: "acme", Source: "csv", Object: "lead"}
	hub    = pipeline.Stream{Tenant: "acme", Source: "hubspot", Object: "deal"}
	globex = pipeline.Stream{Tenant: "globex", Source: "csv", Object: "deal"}
)

// seq is a checkpoint Seq before any reset of the tests (runs use the
// wall clock in nanoseconds).
const seq = int64(1_000)

func seedStreams(t *testing.T, w *warehouse.Warehouse) {
	t.Helper()
	commit(t, w, deals, 3, seq, secretCursor)
	commit(t, w, leads, 2, seq, secretCursor)
	commit(t, w, hub, 3, seq, secretCursor)
	commit(t, w, globex, 3, seq, secretCursor)
}

func TestInspect(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		seedStreams(t, w)
		ignoreTimes := cmpopts.IgnoreFields(cursors.Stream{}, "Oldest", "Newest")
		for _, tc := range []struct {
			name string
			f    cursors.Filter
			want []cursors.Stream
		}{
			{"connector", cursors.Filter{Tenant: "acme", Source: "csv"}, []cursors.Stream{{Object: "deal", Partitions: 3}, {Object: "lead", Partitions: 2}}},
			{"object", cursors.Filter{Tenant: "acme", Source: "csv", Object: "lead"}, []cursors.Stream{{Object: "lead", Partitions: 2}}},
			{"none", cursors.Filter{Tenant: "acme", Source: "pipedrive"}, []cursors.Stream{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := cursors.Inspect(ctxT(t), w, tc.f)
				if err != nil {
					t.Fatalf("Inspect(%+v) = %v", tc.f, err)
				}
				if d := cmp.Diff(tc.want, p.Streams, ignoreTimes); d != "" {
					t.Errorf("Inspect(%+v) streams (-want +got):\n%s", tc.f, d)
				}
				for _, s := range p.Streams {
					if s.Oldest.IsZero() || s.Newest.Before(s.Oldest) {
						t.Errorf("Inspect(%+v) stream %s committed %v..%v, want a real range", tc.f, s.Object, s.Oldest, s.Newest)
					}
				}
			})
		}
		if _, err := cursors.Inspect(ctxT(t), w, cursors.Filter{Tenant: "acme"}); err == nil {
			t.Error("Inspect without connector = nil error, want one")
		}
	})
}

func TestResetClearsSelectedStreamsAndRecordsEvidence(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		seedStreams(t, w)
		at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		run, err := cursors.Reset(ctxT(t), w, cursors.Filter{Tenant: "acme", Source: "csv"},
			cursors.Options{By: "ops", Now: func() time.Time { return at }})
		if err != nil {
			t.Fatalf("Reset = %v", err)
		}
		if run.ID == 0 || run.Checkpoints != 5 || len(run.Streams) != 2 || run.By != "ops" || !run.At.Equal(at) {
			t.Errorf("Reset = %+v, want a recorded run of 5 checkpoints in 2 streams by ops at %v", run, at)
		}
		if want := at.Add(w.Policy().Evidence); !run.Expires.Equal(want) {
			t.Errorf("Reset expires %v, want %v (retention.evidence)", run.Expires, want)
		}
		for _, tc := range []struct {
			s    pipeline.Stream
			n    int
			want string
		}{{deals, 3, ""}, {leads, 2, ""}, {hub, 3, secretCursor}, {globex, 3, secretCursor}} {
			if got := cursorOf(t, w, tc.s, tc.n); got != tc.want {
				t.Errorf("Cursor(%v) after reset = %q, want %q", tc.s, got, tc.want)
			}
		}
		// A pass that was in flight commits an older checkpoint: ignored.
		commit(t, w, deals, 3, seq+1, secretCursor)
		if got := cursorOf(t, w, deals, 3); got != "" {
			t.Errorf("Cursor after a late checkpoint of an older Seq = %q, want \"\" (the reset holds)", got)
		}
		// The next pass commits newer checkpoints: they count.
		commit(t, w, deals, 3, run.Seq+1, "page-2")
		if got := cursorOf(t, w, deals, 3); got != "page-2" {
			t.Errorf("Cursor after the next pass = %q, want page-2", got)
		}
		hist, err := cursors.History(ctxT(t), w, "acme", 10)
		if err != nil || len(hist) != 1 {
			t.Fatalf("History(acme) = %d runs, %v; want 1", len(hist), err)
		}
		if d := cmp.Diff(run, hist[0]); d != "" {
			t.Errorf("History(acme)[0] differs from the run Reset returned (-want +got):\n%s", d)
		}
		if hist, err := cursors.History(ctxT(t), w, "globex", 0); err != nil || len(hist) != 0 {
			t.Errorf("History(globex) = %+v, %v; want none", hist, err)
		}
		var n int
		var streams, by string
		if err := w.DB().QueryRowContext(ctxT(t), w.DB().Rebind(
			"SELECT checkpoints, streams, requested_by FROM reset_runs WHERE id = ? AND tenant = ? AND source = ?"),
			run.ID, "acme", "csv").Scan(&n, &streams, &by); err != nil {
			t.Fatalf("reading evidence: %v", err)
		}
		if n != 5 || by != "ops" || !strings.Contains(streams, `"object":"lead"`) {
			t.Errorf("evidence = %d checkpoints, %s, by %s; want 5, both streams, by ops", n, streams, by)
		}
		// hub (3) and globex (3) keep their cursors, deals holds page-2,
		// leads none; the evidence holds no cursor content.
		all, err := warehousetest.AllText(ctxT(t), w.DB())
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(all, secretCursor); got != 6 {
			t.Errorf("the warehouse holds the cursor content %d times, want 6 (the untouched streams only)", got)
		}
	})
}

func TestResetObjectOnly(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		seedStreams(t, w)
		run, err := cursors.Reset(ctxT(t), w, cursors.Filter{Tenant: "acme", Source: "csv", Object: "lead"}, cursors.Options{By: "ops"})
		if err != nil || run.Checkpoints != 2 || run.Object != "lead" {
			t.Fatalf("Reset(lead) = %+v, %v; want 2 checkpoints of lead", run, err)
		}
		if got := cursorOf(t, w, leads, 2); got != "" {
			t.Errorf("Cursor(leads) = %q, want \"\"", got)
		}
		if got := cursorOf(t, w, deals, 3); got != secretCursor {
			t.Errorf("Cursor(deals) = %q, want it untouched", got)
		}
		// A second reset of cleared streams clears them again (the
		// dry run shows them as already cleared).
		p, err := cursors.Inspect(ctxT(t), w, cursors.Filter{Tenant: "acme", Source: "csv", Object: "lead"})
		if err != nil || len(p.Streams) != 1 || p.Streams[0].Cleared != 2 {
			t.Errorf("Inspect after reset = %+v, %v; want lead with 2 cleared", p, err)
		}
	})
}

func TestResetNothingRecordsNothing(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		run, err := cursors.Reset(ctxT(t), w, cursors.Filter{Tenant: "acme", Source: "csv"}, cursors.Options{By: "ops"})
		if err != nil || run.ID != 0 || run.Checkpoints != 0 {
			t.Errorf("Reset with no checkpoint = %+v, %v; want nothing done", run, err)
		}
		if n := countRows(t, w, "reset_runs"); n != 0 {
			t.Errorf("reset_runs holds %d rows, want 0", n)
		}
	})
}

func countRows(t *testing.T, w *warehouse.Warehouse, table string) int {
	t.Helper()
	var n int
	if err := w.DB().QueryRowContext(ctxT(t), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestResetRefuses(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		seedStreams(t, w)
		release, err := w.HoldWriterLock(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		_, err = cursors.Reset(ctxT(t), w, cursors.Filter{Tenant: "acme", Source: "csv"}, cursors.Options{By: "ops"})
		release()
		if !errors.Is(err, cursors.ErrWritersRunning) {
			t.Errorf("Reset while tally run holds the writer lock = %v, want ErrWritersRunning", err)
		}
		if _, err := w.TerminateTenant(ctxT(t), "globex", time.Hour); err != nil {
			t.Fatal(err)
		}
		_, err = cursors.Reset(ctxT(t), w, cursors.Filter{Tenant: "globex", Source: "csv"}, cursors.Options{By: "ops"})
		if !errors.Is(err, cursors.ErrTerminated) {
			t.Errorf("Reset of a terminated tenant = %v, want ErrTerminated", err)
		}
		if got := cursorOf(t, w, deals, 3) + cursorOf(t, w, globex, 3); got != secretCursor+secretCursor {
			t.Errorf("refused resets changed cursors")
		}
		if n := countRows(t, w, "reset_runs"); n != 0 {
			t.Errorf("refused resets left %d evidence rows, want 0", n)
		}
	})
}

func TestPurgeRemovesExpiredResetEvidence(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		seedStreams(t, w)
		old := time.Now().Add(-w.Policy().Evidence - time.Hour)
		if _, err := cursors.Reset(ctxT(t), w, cursors.Filter{Tenant: "acme", Source: "csv"},
			cursors.Options{By: "ops", Now: func() time.Time { return old }}); err != nil {
			t.Fatal(err)
		}
		if _, err := cursors.Reset(ctxT(t), w, cursors.Filter{Tenant: "acme", Source: "hubspot"}, cursors.Options{By: "ops"}); err != nil {
			t.Fatal(err)
		}
		run, err := w.Purge(ctxT(t), warehouse.PurgeOptions{})
		if err != nil {
			t.Fatalf("Purge = %v", err)
		}
		var removed int64 = -1
		for _, tr := range run.Tables {
			if tr.Table == "reset_runs" {
				removed = tr.Removed()
			}
		}
		if removed != 1 || countRows(t, w, "reset_runs") != 1 {
			t.Errorf("purge removed %d reset_runs rows, %d left; want the expired one removed, the live one kept", removed, countRows(t, w, "reset_runs"))
		}
	})
}
