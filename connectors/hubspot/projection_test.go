package hubspot

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// requestedProperties returns the properties named by every request to
// the deals endpoints, list and search.
func requestedProperties(t *testing.T, reqs []hubspottest.Request) [][]string {
	t.Helper()
	var out [][]string
	for _, r := range reqs {
		switch {
		case r.Method == "GET" && r.Path == "/crm/v3/objects/deals":
			q, _ := url.ParseQuery(r.Query)
			out = append(out, strings.Split(q.Get("properties"), ","))
		case r.Method == "POST" && r.Path == "/crm/v3/objects/deals/search":
			var b struct{ Properties []string }
			if err := json.Unmarshal(r.Body, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, b.Properties)
		}
	}
	return out
}

func TestProjectionDealsWon(t *testing.T) {
	proj, err := schemas.Default().Project([]string{"deals_won"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, setup{
		sizes:      hubspottest.Sizes{Owners: 2, Deals: 30},
		projection: map[string][]string{"deal": proj.Fields("deal")},
		config:     func(c *Config) { c.PageSize = 10 },
	})
	full := f.sync(t, "deal", "")
	f.ds.Touch("deals", f.ds.ID("deals", 3), f.clock.Now())
	f.clock.Set(f.clock.Now().Add(time.Minute))
	incr := f.sync(t, "deal", full.Last())

	want := []string{"closedate", "hs_is_closed_won", "hs_lastmodifieddate", "hubspot_owner_id"}
	got := requestedProperties(t, f.srv.Requests())
	if len(got) < 5 {
		t.Fatalf("saw %d deal requests, want list, archived and search requests", len(got))
	}
	for _, props := range got {
		if diff := cmp.Diff(want, props); diff != "" {
			t.Errorf("requested properties (-want +got):\n%s", diff)
		}
	}
	for _, r := range f.srv.Requests() {
		if strings.Contains(r.Query+string(r.Body), "dealname") || strings.Contains(r.Query+string(r.Body), "description") {
			t.Errorf("request %s %s asks for free text", r.Method, r.Path)
		}
	}
	for _, r := range append(full.Records(), incr.Records()...) {
		if r.Op != pipeline.OpUpsert {
			continue
		}
		var keys []string
		for k := range r.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if diff := cmp.Diff([]string{"close_date", "is_won", "owner_id"}, keys); diff != "" {
			t.Fatalf("record fields (-want +got):\n%s", diff)
		}
	}
}

func TestProjectionOwnersIDOnly(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 4}, projection: map[string][]string{"user": {"id"}}})
	for _, r := range f.sync(t, "user", "").Records() {
		if len(r.Fields) != 0 {
			t.Errorf("owner fields = %v, want none: the projection is id only", r.Fields)
		}
	}
}

// TestUnsupportedProjectionIsSkipped: objects and fields HubSpot does
// not have are left out, so one projection serves every connector.
func TestUnsupportedProjectionIsSkipped(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Token = testSecret()
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "hs",
		Projection: map[string][]string{"activity": {"id"}, "deal": {"id", "probability", "amount"}}})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	if got := src.Objects(); !slices.Equal(got, []string{"deal"}) {
		t.Errorf("Objects() = %v, want [deal]", got)
	}
	if got := src.plans["deal"].props; slices.Contains(got, "probability") || !slices.Contains(got, "amount") {
		t.Errorf("deal properties = %v, want amount and no probability", got)
	}
}

// TestEverySchemaFieldMapped keeps the mapping in step with schemas/.
func TestEverySchemaFieldMapped(t *testing.T) {
	cat := schemas.Default()
	for _, o := range []string{"deal", "lead", "user"} {
		obj, _ := cat.Object(o)
		var names []string
		for _, f := range obj.Fields {
			names = append(names, f.Name)
		}
		if _, err := newPlan(o, names); err != nil {
			t.Errorf("newPlan(%s, all fields) = %v", o, err)
		}
	}
}

func TestOnlyAllowListedRequests(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Owners: 3, Deals: 30, Contacts: 30}})
	for _, o := range f.src.Objects() {
		done := f.sync(t, o, "").Last()
		f.clock.Set(f.clock.Now().Add(time.Minute))
		f.sync(t, o, done)
	}
	for _, r := range f.srv.Requests() {
		u := &url.URL{Path: r.Path}
		if _, ok := AllowList.Match(r.Method, u); !ok {
			t.Errorf("request %s %s is not on the allow-list", r.Method, r.Path)
		}
	}
}
