package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

func TestObjectsOrder(t *testing.T) {
	f := newFixture(t, setup{projection: map[string][]string{"lead": {"id"}, "deal": {"id"}, "user": {"id"}}})
	if diff := cmp.Diff([]string{"user", "deal", "lead"}, f.src.Objects()); diff != "" {
		t.Errorf("Objects() (-want +got):\n%s", diff)
	}
	f = newFixture(t, setup{projection: map[string][]string{"lead": {"id"}}})
	if diff := cmp.Diff([]string{"lead"}, f.src.Objects()); diff != "" {
		t.Errorf("Objects() (-want +got):\n%s", diff)
	}
}

func TestFullSync(t *testing.T) {
	sizes := hubspottest.Sizes{Owners: 7, Deals: 250, Contacts: 130}
	tests := []struct {
		object, hubspot string
		n, pages        int
	}{
		{"deal", "deals", 250, 3 + 1},
		{"lead", "contacts", 130, 2 + 1},
		{"user", "owners", 7, 1 + 1},
	}
	f := newFixture(t, setup{sizes: sizes})
	for _, tc := range tests {
		t.Run(tc.object, func(t *testing.T) {
			c := f.sync(t, tc.object, "")
			if c.Len() != tc.pages {
				t.Errorf("Sync(%s) emitted %d pages, want %d (listing and archived)", tc.object, c.Len(), tc.pages)
			}
			if diff := cmp.Diff(f.allIDs(tc.hubspot, tc.n), pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); diff != "" {
				t.Errorf("upserted ids (-want +got):\n%s", diff)
			}
			cur, err := decodeCursor(c.Last())
			if err != nil || cur.Phase != phaseDone {
				t.Errorf("last cursor = %+v, %v; want phase done", cur, err)
			}
			for _, r := range c.Records() {
				if r.Tenant != "acme" || r.Source != "hs" || r.Object != tc.object || r.Version.IsZero() {
					t.Fatalf("record %v lacks routing or version", r)
				}
			}
		})
	}
}

func TestDealValues(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 2, Deals: 40, Contacts: 5}})
	c := f.sync(t, "deal", "")
	for _, r := range c.Records() {
		p := f.ds.Properties("deals", r.ID)
		amount := json.Number(p["amount"]) // the vendor's text, exactly
		want := map[string]any{
			"owner_id": p["hubspot_owner_id"], "name": p["dealname"], "description": p["description"],
			"stage": p["dealstage"], "pipeline": "default", "currency": p["deal_currency_code"],
			"is_won": p["dealstage"] == "closedwon", "is_closed": p["hs_is_closed"] == "true",
			"amount": amount, "close_date": mustInstant(t, p["closedate"]), "created_at": mustInstant(t, p["createdate"]),
		}
		if p["amount"] == "" {
			want["amount"] = nil
		}
		if diff := cmp.Diff(want, r.Fields); diff != "" {
			t.Fatalf("deal fields (-want +got):\n%s", diff)
		}
		if !r.Version.Equal(mustInstant(t, p["hs_lastmodifieddate"])) {
			t.Errorf("Version = %v, want hs_lastmodifieddate %s", r.Version, p["hs_lastmodifieddate"])
		}
	}
}

func mustInstant(t *testing.T, s string) time.Time {
	t.Helper()
	v, ok := parseInstant(s)
	if !ok {
		t.Fatalf("parseInstant(%q) failed", s)
	}
	return v
}

func TestResumeFromEveryCursor(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Deals: 95}, config: func(c *Config) { c.PageSize = 10 }})
	for _, i := range []int{3, 40, 41, 77} {
		f.ds.Archive("deals", f.ds.ID("deals", i), hubspottest.Epoch.Add(time.Minute))
	}
	full := f.sync(t, "deal", "")
	if full.Len() != 10+1 {
		t.Fatalf("full pass emitted %d pages, want 11", full.Len())
	}
	for k, p := range full.Pages()[:full.Len()-1] {
		var want []pipeline.Record
		for _, q := range full.Pages()[k+1:] {
			want = append(want, q.Records...)
		}
		got := f.sync(t, "deal", p.Cursor)
		if diff := cmp.Diff(want, got.Records()); diff != "" {
			t.Errorf("resuming after page %d (-want +got):\n%s", k+1, diff)
		}
		if got.Last() != full.Last() {
			t.Errorf("resuming after page %d ended with cursor %s, want %s", k+1, got.Last(), full.Last())
		}
	}
}

func TestIncremental(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 3, Deals: 300, Contacts: 200}})
	full := map[string]string{"deal": f.sync(t, "deal", "").Last(), "lead": f.sync(t, "lead", "").Last()}
	t1 := f.clock.Now()
	touched := map[string][]string{}
	for _, tc := range []struct{ object, hubspot string }{{"deal", "deals"}, {"lead", "contacts"}} {
		for _, i := range []int{5, 17, 150, 199} {
			id := f.ds.ID(tc.hubspot, i)
			f.ds.Touch(tc.hubspot, id, t1.Add(time.Duration(i)*time.Second))
			touched[tc.object] = append(touched[tc.object], id)
		}
		f.ds.Archive(tc.hubspot, f.ds.ID(tc.hubspot, 42), t1.Add(time.Minute))
		slices.Sort(touched[tc.object])
	}
	f.clock.Set(t1.Add(time.Hour))
	for _, tc := range []struct{ object, hubspot string }{{"deal", "deals"}, {"lead", "contacts"}} {
		t.Run(tc.object, func(t *testing.T) {
			c := f.sync(t, tc.object, full[tc.object])
			if diff := cmp.Diff(touched[tc.object], pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); diff != "" {
				t.Errorf("incremental upserts (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{f.ds.ID(tc.hubspot, 42)}, pipelinetest.IDs(c.Records(), pipeline.OpDelete)); diff != "" {
				t.Errorf("incremental deletes (-want +got):\n%s", diff)
			}
			for _, r := range c.Records() {
				if r.Op == pipeline.OpDelete && (len(r.Fields) != 0 || !r.Version.Equal(t1.Add(time.Minute))) {
					t.Errorf("delete %+v: want no fields and Version = archivedAt", r)
				}
			}
			again := f.sync(t, tc.object, c.Last())
			if got := pipelinetest.IDs(again.Records(), pipeline.OpUpsert); len(got) != 0 {
				t.Errorf("pass without changes upserted %v, want none", got)
			}
		})
	}
}

func TestArchivedOff(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Deals: 20}, config: func(c *Config) { c.Archived = false }})
	f.ds.Archive("deals", f.ds.ID("deals", 1), hubspottest.Epoch)
	c := f.sync(t, "deal", "")
	if len(pipelinetest.IDs(c.Records(), pipeline.OpDelete)) != 0 || len(pipelinetest.IDs(c.Records(), pipeline.OpUpsert)) != 19 {
		t.Errorf("with archived off: %d deletes, %d upserts; want 0, 19",
			len(pipelinetest.IDs(c.Records(), pipeline.OpDelete)), len(pipelinetest.IDs(c.Records(), pipeline.OpUpsert)))
	}
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Query, "archived=true") {
			t.Errorf("archived listing requested with archived off")
		}
	}
}

func TestOwnersEveryPassListed(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 5}, projection: map[string][]string{"user": {"id", "is_active", "created_at"}}})
	first := f.sync(t, "user", "")
	f.ds.Archive("owners", f.ds.ID("owners", 2), f.clock.Now())
	second := f.sync(t, "user", first.Last())
	if got := len(pipelinetest.IDs(second.Records(), pipeline.OpUpsert)); got != 4 {
		t.Errorf("second pass upserted %d owners, want 4", got)
	}
	if diff := cmp.Diff([]string{f.ds.ID("owners", 2)}, pipelinetest.IDs(second.Records(), pipeline.OpDelete)); diff != "" {
		t.Errorf("owner deletes (-want +got):\n%s", diff)
	}
	for _, r := range second.Records() {
		if r.Op == pipeline.OpUpsert && (r.Fields["is_active"] != true || len(r.Fields) != 2) {
			t.Errorf("owner fields = %v, want is_active true and created_at only", r.Fields)
		}
	}
}

func TestCanceled(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Deals: 50}, config: func(c *Config) { c.PageSize = 10 }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &pipelinetest.Collector{Hook: func(n int) error {
		if n == 1 {
			cancel()
		}
		return nil
	}}
	err := f.src.Sync(ctx, "deal", "", c)
	if err == nil || ctx.Err() == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync after cancel = %v, want context.Canceled", err)
	}
	if c.Len() != 2 {
		t.Errorf("emitted %d pages, want 2 (the page in flight when canceled)", c.Len())
	}
}
