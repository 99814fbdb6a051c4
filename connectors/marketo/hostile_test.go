package marketo

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/connectors/marketo/marketotest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

func TestActivityItemsAreLenientPerItem(t *testing.T) {
	for _, tc := range []struct {
		name       string
		result     string
		ok         bool
		items, odd int
	}{
		{"fixture shape", `[{"id":1,"activityTypeId":6,"activityDate":"2026-01-01T00:00:00Z"}]`, true, 1, 0},
		{"odd items counted", `[{"id":1},7,"s",null,[1],{"id":2,"activityTypeId":{"x":[1]},"activityDate":1e400}]`, true, 2, 4},
		{"no result", ``, true, 0, 0},
		{"result not a list", `{"id":1}`, false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			items, odd, err := activityItems(&envelope{Result: json.RawMessage(tc.result)})
			if (err == nil) != tc.ok {
				t.Fatalf("activityItems = %v, want ok %t", err, tc.ok)
			}
			if len(items) != tc.items || odd != tc.odd {
				t.Errorf("%d items, %d unreadable; want %d, %d", len(items), odd, tc.items, tc.odd)
			}
		})
	}
}

func TestOddActivityValuesAreKeptForValidate(t *testing.T) {
	f := newFixture(t, marketotest.Sizes{Leads: 5, Activities: 5}, serverOptions(), nil)
	p := f.src.plans["activity"]
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		it       activityItem
		typ, occ any
	}{
		{"nested type", activityItem{ID: 1.0, ActivityTypeID: map[string]any{"id": 6.0}, ActivityDate: "2026-01-02T00:00:00Z"},
			map[string]any{"id": 6.0}, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"number date", activityItem{ID: 1.0, ActivityTypeID: 6.0, ActivityDate: 1748736000000.0}, "Send Email", 1748736000000.0},
		{"year zero", activityItem{ID: 1.0, ActivityTypeID: 6.0, ActivityDate: "0000-01-01T00:00:00Z"},
			"Send Email", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := f.src.activity(p, tc.it, map[int]string{6: "Send Email"}, start)
			if !ok {
				t.Fatal("activity skipped")
			}
			if got := r.Fields["type"]; !equalJSON(got, tc.typ) {
				t.Errorf("type = %T %v, want %T %v", got, got, tc.typ, tc.typ)
			}
			if got := r.Fields["occurred_at"]; !equalJSON(got, tc.occ) {
				t.Errorf("occurred_at = %T %v, want %T %v", got, got, tc.occ, tc.occ)
			}
			if y := r.Version.Year(); y < 1 || y > 9999 {
				t.Errorf("version year %d: an out-of-range date must stay in its field", y)
			}
		})
	}
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb) && (a == nil) == (b == nil)
}

// TestOnlyDeleteLeadActivitiesDelete: deletedleads.json means "deleted",
// but an item that is not a Delete Lead activity (type 37) is not trusted
// to delete its lead: it is skipped, counted and warned about once.
func TestOnlyDeleteLeadActivitiesDelete(t *testing.T) {
	f := newFixture(t, marketotest.Sizes{Leads: 40, Activities: 5}, serverOptions(), nil)
	done := f.sync(t, "lead", "").Last()
	now := time.Now()
	gone := f.ds.LeadID(3)
	f.ds.Delete(gone, now)
	live1 := f.ds.AddDeleteActivity(6, 4, now)
	live2 := f.ds.AddDeleteActivity(12, 5, now)
	c := f.sync(t, "lead", done)
	if got := pipelinetest.IDs(c.Records(), pipeline.OpDelete); len(got) != 1 || got[0] != gone {
		t.Errorf("deletes = %v, want only [%s] (not %s, %s)", got, gone, live1, live2)
	}
	logs := f.logs.String()
	if n := strings.Count(logs, "not Delete Lead activities"); n != 1 || !strings.Contains(logs, "count=2") {
		t.Errorf("want one warning counting 2 items, got %d:\n%s", n, logs)
	}
}

func TestRepeatingPagingTokenEndsThePass(t *testing.T) {
	for _, object := range []string{"activity", "lead"} {
		t.Run(object, func(t *testing.T) {
			f := newFixture(t, marketotest.Sizes{Leads: 10, Activities: 100}, serverOptions(), nil)
			f.srv.Cycle()
			err := f.src.Sync(context.Background(), object, "", &pipelinetest.Collector{})
			if !errors.Is(err, crmhttp.ErrPagingLoop) {
				t.Fatalf("Sync over cycling tokens = %v, want ErrPagingLoop", err)
			}
			pipelinetest.ErrorNames(t, err, "marketo", object, "page 4")
			path := "/activities.json"
			if object == "lead" {
				path = "/deletedleads.json"
			}
			if n := f.requests("GET", path); n != 3 {
				t.Errorf("%d pages fetched, want 3 (start, A, B; the repeat of A is never sent)", n)
			}
		})
	}
}

// TestExportJobThatNeverCompletesIsBoundedByJobTimeout: a job stuck in
// Queued ends the pass with a transient error once job_timeout passed.
func TestExportJobThatNeverCompletesIsBoundedByJobTimeout(t *testing.T) {
	opts := serverOptions()
	opts.StatusInterval = time.Hour // the job never leaves Queued
	f := newFixture(t, marketotest.Sizes{Leads: 10, Activities: 1}, opts, func(c *Config) {
		c.JobTimeout, c.PollInterval = 30*time.Millisecond, time.Millisecond
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := f.src.Sync(ctx, "lead", "", &pipelinetest.Collector{})
	if !errors.Is(err, pipeline.ErrTransient) || !strings.Contains(err.Error(), "job_timeout") || ctx.Err() != nil {
		t.Fatalf("Sync with a job that never completes = %v (ctx %v), want a transient job_timeout error", err, ctx.Err())
	}
	if n := f.requests("GET", "/status.json"); n < 1 {
		t.Errorf("job status polled %d times, want at least once", n)
	}
}

// TestLongRowIsReadInGrowingChunks: a 300 kB value in a file read in
// 2 kB ranges takes a handful of requests, not one per 2 kB.
func TestLongRowIsReadInGrowingChunks(t *testing.T) {
	f := newFixture(t, marketotest.Sizes{Leads: 30, Activities: 1}, serverOptions(), func(c *Config) { c.ChunkBytes = 2048 })
	id := f.ds.LeadID(7)
	long := strings.Repeat("x", 300_000)
	f.ds.SetField(id, "leadSource", long)
	c := f.sync(t, "lead", "")
	found := false
	for _, r := range c.Records() {
		if r.ID == id {
			found = r.Fields["lead_source"] == long
		}
	}
	if !found {
		t.Fatal("the lead with the long value was not emitted with it")
	}
	if n := f.requests("GET", "/file.json"); n > 40 {
		t.Errorf("%d file requests for a 300 kB row in 2 kB chunks, want a handful (growing chunks)", n)
	}
}
