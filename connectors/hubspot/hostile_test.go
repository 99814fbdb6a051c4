package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestArchivedListingTrustsTheItem serves live records to archived=true
// requests, as a server that ignores the flag would: none may become a
// delete, and one warning per pass says how many were skipped.
func TestArchivedListingTrustsTheItem(t *testing.T) {
	for _, tc := range []struct{ object, vendor string }{{"user", "owners"}, {"deal", "deals"}} {
		t.Run(tc.object, func(t *testing.T) {
			f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 7, Deals: 230}})
			archived := f.ds.ID(tc.vendor, 3)
			f.ds.Archive(tc.vendor, archived, hubspottest.Epoch)
			f.srv.IgnoreArchivedFlag()
			c := f.sync(t, tc.object, "")
			if dels := pipelinetest.IDs(c.Records(), pipeline.OpDelete); len(dels) != 0 {
				t.Errorf("a listing that ignores archived=true made %d deletes, want 0", len(dels))
			}
			n := f.ds.Len(tc.vendor) - 1
			want := fmt.Sprintf("count=%d", n)
			if got := strings.Count(f.logs.String(), "not archived; they were skipped"); got != 1 {
				t.Errorf("%d warnings about unarchived items, want 1:\n%s", got, f.logs.String())
			} else if !strings.Contains(f.logs.String(), want) {
				t.Errorf("warning lacks %s:\n%s", want, f.logs.String())
			}
		})
	}
	t.Run("honoured flag", func(t *testing.T) {
		f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 7, Deals: 30}})
		id := f.ds.ID("deals", 3)
		f.ds.Archive("deals", id, hubspottest.Epoch)
		c := f.sync(t, "deal", "")
		if dels := pipelinetest.IDs(c.Records(), pipeline.OpDelete); len(dels) != 1 || dels[0] != id {
			t.Errorf("deletes = %v, want [%s]", dels, id)
		}
		if strings.Contains(f.logs.String(), "not archived") {
			t.Errorf("warned about unarchived items although the server honoured the flag")
		}
	})
}

// TestPagingLoopEnds makes the fake's cursors go A → B → A in the list,
// archived and search phases: each pass stops on the first repeat with an
// error naming the connector, object and page.
func TestPagingLoopEnds(t *testing.T) {
	for _, tc := range []struct {
		name, want  string
		incremental bool
	}{
		{"list", "hubspot deals page 4: page 4 repeats the cursor of an earlier page: paging loop", false},
		{"search", "hubspot deals page 4: page 4 repeats the cursor of an earlier page: paging loop", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{sizes: hubspottest.Sizes{Deals: 500}, config: func(c *Config) { c.SearchPageSize = 50 }})
			cur := ""
			if tc.incremental {
				cur = f.sync(t, "deal", "").Last()
				for i := range 300 {
					f.ds.Touch("deals", f.ds.ID("deals", i), f.clock.Now().Add(time.Duration(i)*time.Millisecond))
				}
				f.clock.Set(f.clock.Now().Add(time.Minute))
			}
			f.srv.CycleCursors()
			before := len(f.srv.Requests())
			err := f.src.Sync(context.Background(), "deal", cur, &pipelinetest.Collector{})
			if !errors.Is(err, crmhttp.ErrPagingLoop) || err.Error() != tc.want {
				t.Fatalf("Sync = %v, want %q", err, tc.want)
			}
			if n := len(f.srv.Requests()) - before; n != 3 {
				t.Errorf("%d requests before the loop was seen, want 3 (\"\" → A → B → A)", n)
			}
		})
	}
}

// TestSearchTotalBoundsPages answers every search with a total of one
// record and a fresh cursor: the pass stops once it is far past the pages
// that total implies.
func TestSearchTotalBoundsPages(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"total":1,"results":[{"id":"%d","properties":{},"updatedAt":"2026-05-01T00:00:00Z"}],"paging":{"next":{"after":"c%d"}}}`, n, n)
	}))
	t.Cleanup(srv.Close)
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Token, cfg.SearchLag = srv.URL, config.NewSecret("HUBSPOT_TOKEN", testToken), 0
	cfg.Archived = false
	cfg.Now = func() time.Time { return hubspottest.Epoch }
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "hs", Projection: map[string][]string{"deal": {"id", "amount"}}})
	if err != nil {
		t.Fatal(err)
	}
	done := cursor{V: cursorVersion, Phase: phaseDone, Since: hubspottest.Epoch.Add(-time.Hour).UnixMilli()}.encode()
	err = src.Sync(context.Background(), "deal", done, &pipelinetest.Collector{})
	if !errors.Is(err, crmhttp.ErrPagingLoop) || !strings.Contains(err.Error(), "pages the reported total implies") {
		t.Fatalf("Sync = %v, want a paging loop past the total", err)
	}
	if n != 12 {
		t.Errorf("%d requests, want 12 (2×1 page + 10)", n)
	}
}

// TestDecodePageIsLenient decodes a page whose items are malformed in
// every way one item can be: each still yields one record, and the
// malformed values reach Screen's rules.
func TestDecodePageIsLenient(t *testing.T) {
	body := `{"results":[
		{"id":"1","properties":{"deal_currency_code":"USD","amount":"10","closedate":"2026-01-01T00:00:00Z"},"updatedAt":"2026-01-02T00:00:00Z"},
		{"id":2,"properties":{"deal_currency_code":{"a":1}},"updatedAt":"2026-01-02T00:00:00Z"},
		{"id":"3","properties":{"deal_currency_code":7},"updatedAt":"2026-01-02T00:00:00Z"},
		{"id":"4","properties":{"closedate":"-99999999999999"},"updatedAt":"2026-01-02T00:00:00Z"},
		{"id":"5","properties":"none","updatedAt":"soon"},
		{"id":["6"]},
		42,
		null,
		{"id":"9","properties":{"amount":[1]},"updatedAt":"2026-01-02T00:00:00Z","archived":"yes"}
	]}`
	var pg page
	if err := decodePage(&pg)([]byte(body)); err != nil {
		t.Fatalf("decodePage = %v, want a page", err)
	}
	want := []string{"", "field currency: rule type", "field currency: rule type", "field close_date: rule range",
		"field version: rule required", "field version: rule required", "field version: rule required",
		"field version: rule required", "field amount: rule type"}
	pipelinetest.ScreenEach(t, testPass().records(pg.Results, false), want)
	if _, err := decodePageErr(`{"results":[{"id":"1"}`); err == nil {
		t.Errorf("truncated JSON decoded, want an error")
	}
}

func decodePageErr(s string) (page, error) {
	var pg page
	err := decodePage(&pg)([]byte(s))
	return pg, err
}

// testPass is a pass over deals projecting every deal field, with no
// server.
func testPass() *pass {
	p, _ := newPlan("deal", allFields()["deal"])
	return &pass{s: &Source{env: pipeline.SourceEnv{Tenant: "acme", Name: "hs"}}, p: p}
}

// TestCheckFields reports a property the portal lacks as not verified,
// the rest as verified.
func TestCheckFields(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 2, Deals: 3, Contacts: 3}})
	f.ds.DropProperty("deals", "hs_is_closed_won")
	got, err := f.src.CheckFields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pipelinetest.CheckOneUnverified(t, got,
		pipeline.FieldStatus{Object: "deal", Field: "is_won", Property: "hs_is_closed_won", Reason: "not in the properties api"},
		[]string{"deal.amount", "lead.lead_source", "user.email", "user.is_active"})
	if reqs := f.srv.Requests(); len(reqs) != 3 {
		t.Errorf("%d requests, want 3 (owners sample, deals and contacts properties)", len(reqs))
	}
}

// TestMissingPropertyIsWarnedOncePerPass drops hs_is_closed_won from the
// portal: the pass warns once, naming the property and the KPIs it feeds,
// and not about properties that came back (empty or not).
func TestMissingPropertyIsWarnedOncePerPass(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 2, Deals: 230}})
	f.ds.DropProperty("deals", "hs_is_closed_won")
	f.sync(t, "deal", "")
	logs := f.logs.String()
	if n := strings.Count(logs, "projected property never appeared"); n != 1 {
		t.Fatalf("%d warnings about missing properties, want 1:\n%s", n, logs)
	}
	for _, want := range []string{"property=hs_is_closed_won", "field=is_won", "kpis=\"[deals_won revenue_won]\"", "count=230"} {
		if !strings.Contains(logs, want) {
			t.Errorf("warning lacks %s:\n%s", want, logs)
		}
	}
}
