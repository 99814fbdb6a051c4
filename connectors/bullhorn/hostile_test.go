package bullhorn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/bullhorn/bullhorntest"
	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

func TestParsePageIsLenientPerItem(t *testing.T) {
	for _, tc := range []struct {
		name       string
		body       string
		ok         bool
		items, odd int
		total      int
	}{
		{"fixture shape", `{"total":2,"start":0,"count":2,"data":[{"id":1},{"id":2}]}`, true, 2, 0, 2},
		{"odd items counted", `{"total":9,"data":[{"id":1},42,"s",null,[1],{"id":2,"status":{"x":[1]}}]}`, true, 2, 4, 9},
		{"unreadable total", `{"total":"many","data":[]}`, true, 0, 0, -1},
		{"no total", `{"data":[{"id":1}]}`, true, 1, 0, -1},
		{"no data", `{"total":1}`, false, 0, 0, 0},
		{"data not an array", `{"data":{"id":1}}`, false, 0, 0, 0},
		{"not JSON", `{"data":[`, false, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pg, err := parsePage([]byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("parsePage = %v, want ok %t", err, tc.ok)
			}
			if tc.ok && (len(pg.Data) != tc.items || pg.Unreadable != tc.odd || pg.Total != tc.total) {
				t.Errorf("page = %d items, %d unreadable, total %d; want %d, %d, %d",
					len(pg.Data), pg.Unreadable, pg.Total, tc.items, tc.odd, tc.total)
			}
		})
	}
}

func TestOddValuesAreKeptForValidate(t *testing.T) {
	far := time.UnixMilli(1e16).UTC()
	for _, tc := range []struct {
		kind valueKind
		raw  any
		want any
	}{
		{text, 42.0, 42.0},
		{text, map[string]any{"a": 1.0}, map[string]any{"a": 1.0}},
		{number, []any{1.0}, []any{1.0}},
		{assocID, map[string]any{"firstName": "x"}, map[string]any{"firstName": "x"}},
		{assocID, map[string]any{"id": 7.0, "firstName": "x"}, "7"},
		{instant, 1e16, far},
		{text, "Approved", "Approved"},
		{number, 12.5, 12.5},
	} {
		got := value(tc.kind, tc.raw)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || fmt.Sprintf("%T", got) != fmt.Sprintf("%T", tc.want) {
			t.Errorf("value(kind %d, %T) = %T %v, want %T %v", tc.kind, tc.raw, got, got, tc.want, tc.want)
		}
	}
}

// TestDeleteFlagIsTheRecordsOwn: a user is a delete only when its own
// isDeleted is true; one whose isDeleted is not a boolean is neither
// upserted nor deleted, but skipped, counted and warned about once.
func TestDeleteFlagIsTheRecordsOwn(t *testing.T) {
	f := newFixture(t, bullhorntest.Sizes{Users: 30, Placements: 1}, serverOptions(), nil)
	done := f.sync(t, "user", "").Last()
	now := time.Now()
	gone, odd1, odd2, live := f.ds.ID("user", 3), f.ds.ID("user", 4), f.ds.ID("user", 5), f.ds.ID("user", 6)
	f.ds.Delete("user", gone, now)
	for _, id := range []string{odd1, odd2} {
		f.ds.SetField("user", id, "isDeleted", "true")
		f.ds.Touch("user", id, now)
	}
	f.ds.Touch("user", live, now)
	time.Sleep(2 * time.Millisecond)
	c := f.sync(t, "user", done)
	if got := pipelinetest.IDs(c.Records(), pipeline.OpDelete); len(got) != 1 || got[0] != gone {
		t.Errorf("deletes = %v, want [%s]", got, gone)
	}
	if got := pipelinetest.IDs(c.Records(), pipeline.OpUpsert); len(got) != 1 || got[0] != live {
		t.Errorf("upserts = %v, want [%s]", got, live)
	}
	logs := f.logs.String()
	if n := strings.Count(logs, "deleted flag is not a boolean"); n != 1 || !strings.Contains(logs, "count=2") {
		t.Errorf("want one warning counting 2 records, got %d:\n%s", n, logs)
	}
}

// TestUnreadableIDNeverBecomesADelete: the reconcile listing deletes what
// it does not see, so an item whose id it cannot read stops the listing
// instead of deleting a live placement.
func TestUnreadableIDNeverBecomesADelete(t *testing.T) {
	f := newFixture(t, bullhorntest.Sizes{Users: 2, Placements: 60}, serverOptions(), func(c *Config) { c.PageSize = 25 })
	done := f.sync(t, "placement", "").Last()
	f.ds.SetField("placement", f.ds.ID("placement", 30), "id", "10030")
	c := &pipelinetest.Collector{}
	err := f.src.Sync(context.Background(), "placement", done, c)
	if err == nil || !strings.Contains(err.Error(), "numeric id") {
		t.Fatalf("Sync = %v, want an error about an item without a numeric id", err)
	}
	if got := pipelinetest.IDs(c.Records(), pipeline.OpDelete); len(got) != 0 {
		t.Errorf("deletes = %v, want none", got)
	}
}

func TestKeysetThatGoesBackEndsThePass(t *testing.T) {
	f := newFixture(t, bullhorntest.Sizes{Users: 2, Placements: 120}, serverOptions(), func(c *Config) { c.PageSize = 25 })
	if err := f.src.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.srv.Cycle()
	before := len(f.srv.Requests())
	err := f.src.Sync(context.Background(), "placement", "", &pipelinetest.Collector{})
	if !errors.Is(err, crmhttp.ErrPagingLoop) {
		t.Fatalf("Sync over a cycling server = %v, want ErrPagingLoop", err)
	}
	pipelinetest.ErrorNames(t, err, "bullhorn", "placement", "Placement", "page 3")
	if n := len(f.srv.Requests()) - before; n != 3 {
		t.Errorf("%d requests, want 3 (A, B, A)", n)
	}
}
