package hubspottest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const token = "pat-test-token"

func get(t *testing.T, s *Server, path, tok string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	return do(t, req, tok)
}

func post(t testing.TB, s *Server, path string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.URL()+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return do(t, req, token)
}

func do(t testing.TB, req *http.Request, tok string) (int, http.Header, map[string]any) {
	t.Helper()
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s %s: body is not a JSON object: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, resp.Header, m
}

// shape maps every key to its JSON type, recursing into objects and the
// first element of arrays.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return "array"
		}
		return []any{shape(x[0])}
	}
	return fmt.Sprintf("%T", v)
}

// sameShape requires every key of the fixture, with the same JSON type;
// extra keys must be listed.
func sameShape(t *testing.T, name string, fixture, got map[string]any, extra ...string) {
	t.Helper()
	want, have := shape(fixture).(map[string]any), shape(got).(map[string]any)
	for _, k := range extra {
		delete(have, k)
	}
	for k := range want {
		if _, ok := have[k]; !ok {
			t.Errorf("%s: key %q missing", name, k)
		}
	}
	for k := range have {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected key %q", name, k)
		}
	}
	for k, w := range want {
		if h, ok := have[k]; ok && k != "properties" && !cmp.Equal(w, h) {
			t.Errorf("%s: key %q has shape %v, want %v", name, k, h, w)
		}
	}
}

func newTestServer(t *testing.T, n Sizes, o Options) (*Dataset, *Server) {
	t.Helper()
	ds := Generate(7, n)
	if o.Token == "" {
		o.Token = token
	}
	s := NewServer(ds, o)
	t.Cleanup(s.Close)
	return ds, s
}

func TestShapesMatchFixtures(t *testing.T) {
	ds, s := newTestServer(t, Sizes{Owners: 3, Deals: 30, Contacts: 30}, Options{})
	ds.Archive("deals", ds.ID("deals", 4), Epoch)

	_, _, page := get(t, s, "/crm/v3/objects/deals?limit=2", token)
	item := page["results"].([]any)[0].(map[string]any)
	sameShape(t, "deal", Fixture("simple-public-object.example"), item)
	for k, v := range item["properties"].(map[string]any) {
		if _, ok := v.(string); !ok {
			t.Errorf("property %s = %T, want a string", k, v)
		}
	}
	next := page["paging"].(map[string]any)["next"].(map[string]any)
	sameShape(t, "paging.next", Fixture("next-page.example"), next)

	_, _, arch := get(t, s, "/crm/v3/objects/0-3?archived=true", token)
	item = arch["results"].([]any)[0].(map[string]any)
	sameShape(t, "archived deal", Fixture("simple-public-object.example"), item, "archivedAt")
	if item["archived"] != true || item["archivedAt"] == nil {
		t.Errorf("archived item = %v, want archived true with archivedAt", item)
	}

	_, _, own := get(t, s, "/crm/v3/owners", token)
	sameShape(t, "owner", Fixture("owner.example"), own["results"].([]any)[0].(map[string]any), "type", "userIdIncludingInactive")

	_, _, srch := post(t, s, "/crm/v3/objects/contacts/search", map[string]any{"limit": 1})
	if _, ok := srch["total"].(float64); !ok {
		t.Errorf("search body %v has no numeric total", srch)
	}
	sameShape(t, "contact", Fixture("simple-public-object.example"), srch["results"].([]any)[0].(map[string]any))
}

func TestListPagingAbsentOnLastPage(t *testing.T) {
	_, s := newTestServer(t, Sizes{Deals: 25}, Options{})
	var ids []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		_, _, m := get(t, s, "/crm/v3/objects/deals?limit=10&after="+after, token)
		for _, r := range m["results"].([]any) {
			ids = append(ids, r.(map[string]any)["id"].(string))
		}
		p, ok := m["paging"]
		if !ok {
			if pages != 2 {
				t.Errorf("paging absent after %d pages, want 3 pages", pages+1)
			}
			break
		}
		after = p.(map[string]any)["next"].(map[string]any)["after"].(string)
	}
	if len(ids) != 25 || !sort.StringsAreSorted(ids) {
		t.Errorf("listed %d ids (sorted %v), want 25 in order", len(ids), sort.StringsAreSorted(ids))
	}
}

func TestPropertiesHonoured(t *testing.T) {
	_, s := newTestServer(t, Sizes{Deals: 3, Contacts: 3}, Options{})
	_, _, m := get(t, s, "/crm/v3/objects/deals?properties=amount,dealstage,nosuchprop", token)
	props := m["results"].([]any)[0].(map[string]any)["properties"].(map[string]any)
	var keys []string
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"amount", "createdate", "dealstage", "hs_lastmodifieddate", "hs_object_id"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("properties (-want +got):\n%s", diff)
	}
	_, _, m = post(t, s, "/crm/v3/objects/0-1/search", map[string]any{"properties": []string{"lifecyclestage"}})
	props = m["results"].([]any)[0].(map[string]any)["properties"].(map[string]any)
	if _, ok := props["email"]; ok || props["lastmodifieddate"] == nil || props["lifecyclestage"] == nil {
		t.Errorf("contact search properties = %v, want lifecyclestage and system properties only", props)
	}
}

func TestSearchFiltersSortsAndCap(t *testing.T) {
	ds, s := newTestServer(t, Sizes{Deals: 50}, Options{SearchCap: 20})
	at := Epoch.Add(time.Hour)
	for i := range 30 {
		ds.Touch("deals", ds.ID("deals", i), at.Add(time.Duration(i%3)*time.Millisecond))
	}
	window := map[string]any{"filters": []map[string]any{
		{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": fmt.Sprint(at.UnixMilli())},
		{"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": fmt.Sprint(at.UnixMilli() + 2)},
	}}
	body := map[string]any{
		"filterGroups": []any{window},
		"sorts":        []any{map[string]any{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}},
		"limit":        15,
	}
	code, _, m := post(t, s, "/crm/v3/objects/deals/search", body)
	if code != 200 || m["total"].(float64) != 20 {
		t.Fatalf("search = %d total %v, want 200 total 20", code, m["total"])
	}
	after := m["paging"].(map[string]any)["next"].(map[string]any)["after"]
	body["after"] = after
	code, _, m = post(t, s, "/crm/v3/objects/deals/search", body)
	if code != 200 || len(m["results"].([]any)) != 5 || m["paging"] != nil {
		t.Fatalf("second page = %d, %d results, paging %v; want 200, 5, none", code, len(m["results"].([]any)), m["paging"])
	}

	body["filterGroups"] = nil
	body["sorts"] = []any{"hs_object_id"}
	body["limit"] = 10
	body["after"] = encodeAfter(20)
	code, _, m = post(t, s, "/crm/v3/objects/deals/search", body)
	if code != 400 {
		t.Fatalf("paging past the cap = %d, want 400", code)
	}
	sameShape(t, "cap error", Fixture("error.example"), m)
	if m["category"] != "VALIDATION_ERROR" {
		t.Errorf("cap error category = %v, want VALIDATION_ERROR", m["category"])
	}
}

func TestAuthAndRateLimitAnswers(t *testing.T) {
	_, s := newTestServer(t, Sizes{Deals: 5}, Options{SecondlyLimit: 2, RateLimitInterval: time.Hour})
	code, _, m := get(t, s, "/crm/v3/objects/deals", "wrong")
	if code != 401 || m["category"] != "INVALID_AUTHENTICATION" {
		t.Errorf("bad token = %d %v, want 401 INVALID_AUTHENTICATION", code, m["category"])
	}
	sameShape(t, "401", Fixture("error.example"), m)
	if strings.Contains(fmt.Sprint(m), "wrong") {
		t.Errorf("401 body %v echoes the token", m)
	}
	get(t, s, "/crm/v3/objects/deals", token)
	_, h, _ := get(t, s, "/crm/v3/objects/deals", token)
	code, h, m = get(t, s, "/crm/v3/objects/deals", token)
	if code != 429 || m["policyName"] != "TEN_SECONDLY_ROLLING" {
		t.Fatalf("over the burst limit = %d %v, want 429 TEN_SECONDLY_ROLLING", code, m["policyName"])
	}
	sameShape(t, "429 secondly", Fixture("rate-limit-429-daily"), m)
	for _, k := range []string{"Interval-Milliseconds", "Max", "Remaining", "Secondly", "Secondly-Remaining"} {
		if h.Get("X-HubSpot-RateLimit-"+k) == "" {
			t.Errorf("429 lacks header X-HubSpot-RateLimit-%s", k)
		}
	}
	if h.Get("X-HubSpot-RateLimit-Remaining") != "0" || h.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "3600000" {
		t.Errorf("429 headers = %v, want remaining 0 and the interval", h)
	}

	_, d := newTestServer(t, Sizes{Deals: 5}, Options{DailyLimit: 1})
	get(t, d, "/crm/v3/objects/deals", token)
	code, _, m = get(t, d, "/crm/v3/objects/deals", token)
	daily := Fixture("rate-limit-429-daily")
	if code != 429 || m["policyName"] != "DAILY" || m["message"] != daily["message"] {
		t.Fatalf("over the daily limit = %d %v, want 429 DAILY", code, m)
	}
	sameShape(t, "429 daily", daily, m)
}

func TestFailEvery(t *testing.T) {
	_, s := newTestServer(t, Sizes{Deals: 5}, Options{FailEvery: 2})
	var codes []int
	for range 4 {
		c, _, _ := get(t, s, "/crm/v3/objects/deals", token)
		codes = append(codes, c)
	}
	if diff := cmp.Diff([]int{200, 502, 200, 503}, codes); diff != "" {
		t.Errorf("status codes (-want +got):\n%s", diff)
	}
	if s.RequestCount() != 4 || len(s.Requests()) != 4 {
		t.Errorf("request count = %d, log %d, want 4", s.RequestCount(), len(s.Requests()))
	}
}

func TestDatasetDeterministicAndScales(t *testing.T) {
	a := Generate(42, Sizes{Owners: 10, Deals: 1_000_000, Contacts: 1_000_000})
	b := Generate(42, Sizes{Owners: 10, Deals: 1_000_000, Contacts: 1_000_000})
	last := a.ID("deals", 999_999)
	if diff := cmp.Diff(a.Properties("deals", last), b.Properties("deal", last)); diff != "" {
		t.Errorf("same seed, different deal (-a +b):\n%s", diff)
	}
	p := a.Properties("deals", last)
	if !strings.Contains(p["dealname"]+p["description"], "@example.org") || !strings.Contains(p["description"], "+1 ") {
		t.Errorf("deal free text %q / %q holds no personal data", p["dealname"], p["description"])
	}
	id := a.InjectDeal("erin.example@example.net", "+44 20 7946 0018", Epoch)
	if p := a.Properties("deals", id); !strings.Contains(p["dealname"], "erin.example@example.net") {
		t.Errorf("injected deal name = %q, want the email", p["dealname"])
	}
	pv := a.PersonalValues()
	if len(pv) < 1000 {
		t.Errorf("PersonalValues has %d values, want a sample of at least 1000", len(pv))
	}
	if got := a.SourcePersonalValues()["deal"]; got != 2_000_002 {
		t.Errorf("SourcePersonalValues()[deal] = %d, want 2000002", got)
	}
}
