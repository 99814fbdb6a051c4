package pipedrive

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/connectors/pipedrive/pipedrivetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// TestDeleteListingsTrustTheItem serves live deals to the status=deleted
// and archived listings, as a server that ignores those filters would:
// none may become a delete, and one warning per pass counts them.
func TestDeleteListingsTrustTheItem(t *testing.T) {
	t.Run("filters ignored", func(t *testing.T) {
		f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 2, Deals: 130}})
		f.srv.IgnoreDeleteFilters()
		c := f.sync(t, "deal", "")
		if dels := pipelinetest.IDs(c.Records(), pipeline.OpDelete); len(dels) != 0 {
			t.Errorf("listings that ignore their filters made %d deletes, want 0", len(dels))
		}
		if ups := pipelinetest.IDs(c.Records(), pipeline.OpUpsert); len(ups) != 130 {
			t.Errorf("%d upserts, want 130", len(ups))
		}
		logs := f.logs.String()
		if got := strings.Count(logs, "they were skipped, not deleted"); got != 1 {
			t.Errorf("%d warnings about skipped items, want 1:\n%s", got, logs)
		} else if !strings.Contains(logs, "count=260") {
			t.Errorf("warning lacks count=260 (130 per listing):\n%s", logs)
		}
	})
	t.Run("filters honoured", func(t *testing.T) {
		f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 2, Deals: 30}})
		del, arch := f.ds.DealID(3), f.ds.DealID(5)
		f.ds.Delete(del, pipedrivetest.Epoch)
		f.ds.Archive(arch, pipedrivetest.Epoch)
		c := f.sync(t, "deal", "")
		if dels := pipelinetest.IDs(c.Records(), pipeline.OpDelete); fmt.Sprint(dels) != fmt.Sprint([]string{del, arch}) {
			t.Errorf("deletes = %v, want [%s %s]", dels, del, arch)
		}
		if strings.Contains(f.logs.String(), "skipped, not deleted") {
			t.Errorf("warned although the server honoured the filters")
		}
	})
}

// TestPagingLoopEnds makes the fake's cursors go A → B → A: the pass
// stops on the first repeat, naming connector, listing and page.
func TestPagingLoopEnds(t *testing.T) {
	for _, tc := range []struct{ object, want string }{
		{"deal", "pipedrive live deals page 4: page 4 repeats the cursor of an earlier page: paging loop"},
		{"activity", "pipedrive activities page 4: page 4 repeats the cursor of an earlier page: paging loop"},
	} {
		t.Run(tc.object, func(t *testing.T) {
			f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 2, Deals: 500, Activities: 500}})
			f.srv.CycleCursors()
			err := f.src.Sync(context.Background(), tc.object, "", &pipelinetest.Collector{})
			if !errors.Is(err, crmhttp.ErrPagingLoop) || err.Error() != tc.want {
				t.Fatalf("Sync = %v, want %q", err, tc.want)
			}
			if n := len(f.srv.Requests()); n != 3 {
				t.Errorf("%d requests, want 3 (\"\" → A → B → A)", n)
			}
		})
	}
}

// TestDecodePageIsLenient decodes a page whose items are malformed in
// every way one item can be: each still yields one record, and the
// malformed values reach Screen's rules.
func TestDecodePageIsLenient(t *testing.T) {
	body := `{"success":true,"data":[
		{"id":1,"currency":"USD","value":10,"status":"open","add_time":"2026-01-01T00:00:00Z","update_time":"2026-01-02T00:00:00Z"},
		{"id":2,"currency":{"a":1},"update_time":"2026-01-02T00:00:00Z"},
		{"id":3,"currency":7,"update_time":"2026-01-02T00:00:00Z"},
		{"id":4,"close_time":"0000-01-01T00:00:00Z","update_time":"2026-01-02T00:00:00Z"},
		{"id":5,"owner_id":[1],"update_time":"2026-01-02T00:00:00Z"},
		{"id":"6","stage_id":1.5,"update_time":"2026-01-02T00:00:00Z"},
		42,
		null,
		{"id":9,"status":{"s":"won"},"update_time":"2026-01-02T00:00:00Z"}
	],"additional_data":{"next_cursor":null}}`
	var pg page
	if err := decodePage(&pg)([]byte(body)); err != nil {
		t.Fatalf("decodePage = %v, want a page", err)
	}
	want := []string{"", "field currency: rule type", "field currency: rule type", "field close_date: rule range",
		"field owner_id: rule type", "field stage: rule type", "field version: rule required",
		"field version: rule required", "field is_won: rule type"}
	pipelinetest.ScreenEach(t, testPass(phaseLive).records(pg.Data), want)
	var bad page
	if err := decodePage(&bad)([]byte(`{"success":true,"data":[{"id":1}`)); err == nil {
		t.Errorf("truncated JSON decoded, want an error")
	}
}

// testPass is a pass over deals projecting every deal field, in phase,
// with no server.
func testPass(phase string) *pass {
	return &pass{s: &Source{env: pipeline.SourceEnv{Tenant: "acme", Name: "pd"}}, p: newPlan("deal", allFields()["deal"]), c: cursor{Phase: phase}}
}

// TestCheckFields reports a Pipedrive field the sampled deal lacks as
// not verified, the rest as verified.
func TestCheckFields(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 2, Deals: 3, Activities: 3}})
	f.ds.SetField(f.ds.DealID(0), "won_time", pipedrivetest.Omit)
	got, err := f.src.CheckFields(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pipelinetest.CheckOneUnverified(t, got,
		pipeline.FieldStatus{Object: "deal", Field: "close_date", Property: "close_time, won_time, expected_close_date", Reason: "sampled deal lacks won_time"},
		[]string{"deal.amount", "activity.type", "user.email"})
}
