package syncruns_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/syncruns"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

var (
	deals = pipeline.Stream{Tenant: "acme", Source: "hubspot", Object: "deal"}
	leads = pipeline.Stream{Tenant: "acme", Source: "hubspot", Object: "lead"}
	other = pipeline.Stream{Tenant: "globex", Source: "csv", Object: "deal"}
)

// secretMessage stands for an error message carrying a record value.
const secretMessage = "bad page after=jane.doe@example.org"

// TestRecordAndLatest stores two passes and reads back the newest run of
// every stream, with its result, kind, counts and cursor age, and never
// an error message.
func TestRecordAndLatest(t *testing.T) {
	warehousetest.Dialects(t, func(t *testing.T, w *warehouse.Warehouse) {
		ctx := context.Background()
		if err := w.Write(ctx, pipeline.Batch{Checkpoints: []pipeline.PartitionCheckpoint{{Checkpoint: pipeline.Checkpoint{
			Tenant: deals.Tenant, Source: deals.Source, Object: deals.Object, Seq: 1, Cursor: "c1"}}}}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		first := pipeline.PassReport{Started: t0, Ended: t0.Add(time.Minute), Streams: []pipeline.StreamReport{
			{Stream: deals, Pulled: 10, Written: 9, Quarantined: 1},
			{Stream: leads, Err: fmt.Errorf("%s: %w", secretMessage, pipeline.ErrTransient)},
		}}
		second := pipeline.PassReport{Started: t0.Add(time.Hour), Ended: t0.Add(time.Hour + time.Minute), Streams: []pipeline.StreamReport{
			{Stream: deals, Pulled: 3, Written: 2, Deleted: 1, Err: fmt.Errorf("x: %w", pipeline.ErrQuota)},
			{Stream: other, Err: &pipeline.OutageError{What: "warehouse", Err: errors.New(secretMessage)}},
		}}
		for _, rep := range []pipeline.PassReport{first, second} {
			if err := syncruns.Record(ctx, w, rep, nil); err != nil {
				t.Fatal(err)
			}
		}
		runs, err := syncruns.Latest(ctx, w, "")
		if err != nil {
			t.Fatal(err)
		}
		type got struct {
			stream                         pipeline.Stream
			result, kind                   string
			pulled, written, deleted, quar int64
			started                        time.Time
			hasAge                         bool
		}
		var gs []got
		for _, r := range runs {
			gs = append(gs, got{r.Stream(), r.Result, r.ErrorKind, r.Pulled, r.Written, r.Deleted, r.Quarantined, r.Started, r.CursorAgeSeconds != nil})
		}
		want := []got{
			{deals, "quota", "quota", 3, 2, 1, 0, t0.Add(time.Hour), true},
			{leads, "stopped", "transient", 0, 0, 0, 0, t0, false},
			{other, "outage", "outage", 0, 0, 0, 0, t0.Add(time.Hour), false},
		}
		if fmt.Sprint(gs) != fmt.Sprint(want) {
			t.Errorf("Latest =\n%v\nwant\n%v", gs, want)
		}
		acme, err := syncruns.Latest(ctx, w, "acme")
		if err != nil || len(acme) != 2 {
			t.Errorf("Latest(acme) = %d runs, %v; want 2", len(acme), err)
		}
		hist, err := syncruns.History(ctx, w, "", 0)
		if err != nil || len(hist) != 4 || hist[0].ID < hist[3].ID {
			t.Errorf("History = %d runs, %v; want 4 newest first", len(hist), err)
		}
		all, err := warehousetest.AllText(ctx, w.DB())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(all, "jane.doe") {
			t.Error("an error message was stored in the warehouse")
		}
	})
}

// TestSyncRunsExpireAsEvidence: rows expire under retention.evidence
// and go with their tenant.
func TestSyncRunsExpireAsEvidence(t *testing.T) {
	w := warehousetest.OpenSQLite(t, warehouse.Config{EvidenceTTL: 48 * time.Hour})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := syncruns.Record(ctx, w, pipeline.PassReport{Started: t0, Ended: t0, Streams: []pipeline.StreamReport{{Stream: deals}}}, nil); err != nil {
		t.Fatal(err)
	}
	var exp any
	if err := w.DB().QueryRowContext(ctx, "SELECT expires_at FROM sync_runs").Scan(&exp); err != nil {
		t.Fatal(err)
	}
	got, err := warehouse.ScanTime(exp)
	if err != nil || !got.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("expires_at = %v (%v), want started + 48h", got, err)
	}
	found := false
	for _, tbl := range w.PurgeableTables() {
		found = found || tbl == "sync_runs"
	}
	if !found {
		t.Error("sync_runs is not in the purge registry")
	}
}
