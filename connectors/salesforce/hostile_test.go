package salesforce

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

func TestParsePageIsLenientPerRecord(t *testing.T) {
	for _, tc := range []struct {
		name             string
		body             string
		ok               bool
		records, skipped int
		total            int
		next             string
	}{
		{"fixture shape", `{"done":true,"totalSize":2,"records":[{"Id":"a"},{"Id":"b"}]}`, true, 2, 0, 2, ""},
		{"odd records skipped", `{"done":false,"totalSize":9,"nextRecordsUrl":"/x","records":[{"Id":"a"},42,"s",null,[1],{"Id":"b","Amount":{"x":[1]}}]}`, true, 2, 4, 9, "/x"},
		{"unreadable totalSize", `{"done":true,"totalSize":"many","records":[]}`, true, 0, 0, -1, ""},
		{"unreadable nextRecordsUrl", `{"done":false,"nextRecordsUrl":7,"records":[]}`, true, 0, 0, -1, ""},
		{"no done", `{"records":[]}`, false, 0, 0, 0, ""},
		{"done not boolean", `{"done":"yes","records":[]}`, false, 0, 0, 0, ""},
		{"records not an array", `{"done":true,"records":{}}`, false, 0, 0, 0, ""},
		{"not JSON", `{"done":true,`, false, 0, 0, 0, ""},
		{"not an object", `[1,2]`, false, 0, 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pg, err := parsePage([]byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("parsePage = %v, want ok %t", err, tc.ok)
			}
			if !tc.ok {
				return
			}
			if len(pg.Records) != tc.records || pg.Unreadable != tc.skipped || pg.TotalSize != tc.total || pg.NextRecordsURL != tc.next {
				t.Errorf("page = %d records, %d unreadable, total %d, next %q; want %d, %d, %d, %q",
					len(pg.Records), pg.Unreadable, pg.TotalSize, pg.NextRecordsURL, tc.records, tc.skipped, tc.total, tc.next)
			}
		})
	}
}

func TestOddValuesAreKeptForValidate(t *testing.T) {
	for _, tc := range []struct {
		kind valueKind
		raw  any
		want any
	}{
		{text, 42.0, 42.0},
		{text, true, true},
		{lower, 7.0, 7.0},
		{number, map[string]any{"a": 1.0}, map[string]any{"a": 1.0}},
		{instant, []any{"2024-01-01"}, []any{"2024-01-01"}},
		{text, " Open ", "Open"},
		{instant, "2024-12-31", time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)},
		{number, 12.5, 12.5},
	} {
		got := field{canonical: "f", api: []string{"F"}, kind: tc.kind}.value(map[string]any{"F": tc.raw})
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || fmt.Sprintf("%T", got) != fmt.Sprintf("%T", tc.want) {
			t.Errorf("value(kind %d, %T) = %T %v, want %T %v", tc.kind, tc.raw, got, got, tc.want, tc.want)
		}
	}
}

// TestDeleteFlagIsTheRecordsOwn: a queryAll answer holds live and
// deleted records; only a record's own IsDeleted true makes a delete, and
// a record whose IsDeleted is not a boolean is neither upserted nor
// deleted but skipped, counted and warned about once per pass.
func TestDeleteFlagIsTheRecordsOwn(t *testing.T) {
	f := newFixture(t, setup{})
	done := f.sync(t, "deal", "").Last()
	now := time.Now()
	gone, odd1, odd2, live := f.ds.ID(salesforcetest.Opportunity, 3), f.ds.ID(salesforcetest.Opportunity, 4),
		f.ds.ID(salesforcetest.Opportunity, 5), f.ds.ID(salesforcetest.Opportunity, 6)
	f.ds.Delete(gone, now)
	for _, id := range []string{odd1, odd2} {
		f.ds.SetField(id, "IsDeleted", "true")
		f.ds.Touch(id, now)
	}
	f.ds.SetField(live, "IsDeleted", false)
	f.ds.Touch(live, now)
	c := f.sync(t, "deal", done)
	if got := pipelinetest.IDs(c.Records(), pipeline.OpDelete); !slices.Equal(got, []string{gone}) {
		t.Errorf("deletes = %v, want only %s (IsDeleted true)", got, gone)
	}
	if got := pipelinetest.IDs(c.Records(), pipeline.OpUpsert); !slices.Equal(got, []string{live}) {
		t.Errorf("upserts = %v, want only %s (IsDeleted false)", got, live)
	}
	logs := f.logs.String()
	if n := strings.Count(logs, "IsDeleted is not a boolean"); n != 1 {
		t.Errorf("%d warnings about IsDeleted, want one per pass:\n%s", n, logs)
	}
	if !strings.Contains(logs, "count=2") {
		t.Errorf("the warning does not count both records:\n%s", logs)
	}
}

func TestRepeatingNextRecordsURLEndsThePass(t *testing.T) {
	f := newFixture(t, setup{})
	f.srv.Cycle()
	before := len(f.srv.Requests())
	err := f.src.Sync(context.Background(), "deal", "", &pipelinetest.Collector{})
	if !errors.Is(err, crmhttp.ErrPagingLoop) {
		t.Fatalf("Sync over a cycling nextRecordsUrl = %v, want ErrPagingLoop", err)
	}
	pipelinetest.ErrorNames(t, err, "salesforce", "deal", "Opportunity", "page 4")
	if n := len(f.srv.Requests()) - before; n != 3 {
		t.Errorf("%d requests before the loop was seen, want 3 (query, A, B; the repeat of A is never sent)", n)
	}
}

// TestTotalSizeBoundsThePages: a query that keeps answering new pages
// stops once it is far past the pages its totalSize implies.
func TestTotalSizeBoundsThePages(t *testing.T) {
	var g crmhttp.PageGuard
	pg := page{TotalSize: 10, Records: make([]map[string]any, 5)}
	n := 0
	var err error
	for err == nil && n < 1000 {
		n++
		if err = g.Visit(fmt.Sprint("/query/01g-", n)); err == nil {
			expect(&g, pg)
		}
	}
	if !errors.Is(err, crmhttp.ErrPagingLoop) || n != 15 {
		t.Fatalf("stopped at page %d with %v, want page 15 (2×2+10 pages for 10 records at 5) with ErrPagingLoop", n, err)
	}
	// Empty pages that are not the last count at the smallest batch.
	var empty crmhttp.PageGuard
	for n = 1; n < 1000; n++ {
		if err = empty.Visit(fmt.Sprint("/query/01g-", n)); err != nil {
			break
		}
		expect(&empty, page{TotalSize: 0, Records: []map[string]any{}})
	}
	if !errors.Is(err, crmhttp.ErrPagingLoop) || n != 11 {
		t.Fatalf("empty pages stopped at page %d with %v, want page 11 with ErrPagingLoop", n, err)
	}
}
