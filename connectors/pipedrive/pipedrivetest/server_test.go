package pipedrivetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const token = "test-api-token"

func get(t testing.TB, s *Server, path, tok string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL()+path, nil)
	if tok != "" {
		req.Header.Set("x-api-token", tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: body is not a JSON object: %v", path, err)
	}
	return resp.StatusCode, resp.Header, m
}

func newTestServer(t testing.TB, n Sizes, o Options) (*Dataset, *Server) {
	t.Helper()
	ds := Generate(7, n)
	if o.Token == "" {
		o.Token = token
	}
	s := NewServer(ds, o)
	t.Cleanup(s.Close)
	return ds, s
}

// shape maps every key to its JSON type, recursing into objects.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// dealKeys is the v2 DealItem of pipedrive/client-nodejs
// (src/versions/v2/models/deal-item.ts) plus is_archived and
// archive_time (changelog 2025-05) and custom_fields.
var dealKeys = []string{"id", "title", "owner_id", "person_id", "org_id", "pipeline_id", "stage_id", "value",
	"currency", "add_time", "update_time", "stage_change_time", "is_deleted", "is_archived", "archive_time", "status",
	"probability", "lost_reason", "visible_to", "close_time", "won_time", "lost_time", "expected_close_date",
	"label_ids", "origin", "origin_id", "channel", "channel_id", "arr", "mrr", "acv", "custom_fields"}

func TestShapesMatchFixtures(t *testing.T) {
	_, s := newTestServer(t, Sizes{Users: 2, Deals: 5}, Options{})
	_, _, first := get(t, s, "/api/v2/deals?limit=2", token)
	fixture := Fixture("cursor-pagination.response")
	if diff := cmp.Diff(shape(fixture), shape(first)); diff != "" {
		t.Errorf("list page shape (-fixture +got):\n%s", diff)
	}
	_, _, last := get(t, s, "/api/v2/deals?limit=500", token)
	if nc, ok := last["additional_data"].(map[string]any)["next_cursor"]; !ok || nc != nil {
		t.Errorf("last page next_cursor = %v (present %v), want null", nc, ok)
	}
	d := first["data"].([]any)[0].(map[string]any)
	var keys []string
	for k := range d {
		keys = append(keys, k)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(dealKeys)), slices.Sorted(slices.Values(keys))); diff != "" {
		t.Errorf("deal keys (-model +got):\n%s", diff)
	}
	for _, k := range []string{"id", "owner_id", "value", "stage_id", "pipeline_id"} {
		if _, ok := d[k].(float64); !ok {
			t.Errorf("deal %s is %T, want a JSON number", k, d[k])
		}
	}
	if _, err := time.Parse(time.RFC3339, d["update_time"].(string)); err != nil {
		t.Errorf("update_time is not RFC 3339: %v", err)
	}
	status, _, e := get(t, s, "/api/v2/deals", "wrong")
	if status != http.StatusUnauthorized {
		t.Errorf("wrong token: status %d, want 401", status)
	}
	want := shape(Fixture("error-response")).(map[string]any)
	want["errorCode"] = "float64"
	if diff := cmp.Diff(want, shape(e)); diff != "" {
		t.Errorf("error body shape (-fixture +got):\n%s", diff)
	}
}

func TestPagingVisitsEveryDealOnce(t *testing.T) {
	_, s := newTestServer(t, Sizes{Users: 2, Deals: 1234}, Options{})
	var ids []int
	next := ""
	for pages := 0; ; pages++ {
		q := url.Values{"limit": {"500"}}
		if next != "" {
			q.Set("cursor", next)
		}
		_, _, body := get(t, s, "/api/v2/deals?"+q.Encode(), token)
		for _, d := range body["data"].([]any) {
			ids = append(ids, int(d.(map[string]any)["id"].(float64)))
		}
		nc := body["additional_data"].(map[string]any)["next_cursor"]
		if nc == nil {
			break
		}
		next = nc.(string)
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(ids) != 1234 || !slices.IsSorted(ids) || ids[0] != 1 || ids[len(ids)-1] != 1234 {
		t.Errorf("paged %d ids (sorted %v), want 1..1234 once each", len(ids), slices.IsSorted(ids))
	}
}

func TestFiltersDeletesAndArchives(t *testing.T) {
	ds, s := newTestServer(t, Sizes{Users: 2, Deals: 50}, Options{Now: func() time.Time { return Epoch.Add(time.Hour) }})
	at := Epoch.Add(30 * time.Minute)
	ds.Touch(ds.DealID(3), at)
	ds.Delete(ds.DealID(4), at)
	ds.Archive(ds.DealID(5), at)
	ds.Delete(ds.DealID(6), Epoch.Add(-40*24*time.Hour)) // past the 30 days
	list := func(path string) []string {
		_, _, body := get(t, s, path, token)
		var out []string
		for _, d := range body["data"].([]any) {
			out = append(out, strconv.Itoa(int(d.(map[string]any)["id"].(float64))))
		}
		return out
	}
	since := url.QueryEscape(Epoch.Format(time.RFC3339))
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/api/v2/deals?updated_since=" + since, []string{ds.DealID(3)}},
		{"/api/v2/deals?status=deleted", []string{ds.DealID(4)}},
		{"/api/v2/deals/archived", []string{ds.DealID(5)}},
		{"/api/v2/deals/archived?updated_since=" + url.QueryEscape(Epoch.Add(time.Hour).Format(time.RFC3339)), nil},
	} {
		if diff := cmp.Diff(tc.want, list(tc.path)); diff != "" {
			t.Errorf("GET %s ids (-want +got):\n%s", tc.path, diff)
		}
	}
	if n := len(list("/api/v2/deals?limit=500")); n != 47 {
		t.Errorf("default listing has %d deals, want 47 (deleted and archived left out)", n)
	}
	for _, bad := range []string{"limit=501", "updated_since=2025-01-01", "status=gone", "cursor=%25%25"} {
		if status, _, _ := get(t, s, "/api/v2/deals?"+bad, token); status != http.StatusBadRequest {
			t.Errorf("GET ?%s: status %d, want 400", bad, status)
		}
	}
}

func TestRateLimitAndFaults(t *testing.T) {
	_, s := newTestServer(t, Sizes{Users: 1, Deals: 1}, Options{BurstLimit: 2, RateLimitWindow: time.Hour})
	var statuses []int
	var h http.Header
	for range 3 {
		var st int
		st, h, _ = get(t, s, "/v1/users", token)
		statuses = append(statuses, st)
	}
	if diff := cmp.Diff([]int{200, 200, 429}, statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if h.Get("x-ratelimit-limit") != "2" || h.Get("x-ratelimit-remaining") != "0" || h.Get("x-ratelimit-reset") == "" {
		t.Errorf("429 headers limit %q remaining %q reset %q, want 2, 0 and a reset",
			h.Get("x-ratelimit-limit"), h.Get("x-ratelimit-remaining"), h.Get("x-ratelimit-reset"))
	}
	_, f := newTestServer(t, Sizes{Users: 1}, Options{FailEvery: 2})
	get(t, f, "/v1/users", token)
	if st, _, _ := get(t, f, "/v1/users", token); st < 500 {
		t.Errorf("second request with FailEvery 2: status %d, want 5xx", st)
	}
}

func TestUsersShape(t *testing.T) {
	_, s := newTestServer(t, Sizes{Users: 3}, Options{})
	_, _, body := get(t, s, "/v1/users", token)
	users := body["data"].([]any)
	if len(users) != 3 || body["success"] != true {
		t.Fatalf("users answer: success %v, %d users, want true, 3", body["success"], len(users))
	}
	u := users[0].(map[string]any)
	for _, k := range []string{"id", "name", "email", "active_flag", "created", "modified", "is_deleted"} {
		if _, ok := u[k]; !ok {
			t.Errorf("user lacks %s", k)
		}
	}
	if _, err := time.Parse(time.DateTime, u["created"].(string)); err != nil {
		t.Errorf("user created is not v1's YYYY-MM-DD HH:MM:SS: %v", err)
	}
}

func TestDeterministicAndPersonal(t *testing.T) {
	a, b := Generate(3, Sizes{Users: 4, Deals: 20}), Generate(3, Sizes{Users: 4, Deals: 20})
	ja, _ := json.Marshal(a.deal(7))
	jb, _ := json.Marshal(b.deal(7))
	if string(ja) != string(jb) {
		t.Errorf("deal 7 differs between two datasets of one seed")
	}
	pv := a.PersonalValues()
	if !slices.Contains(pv, a.deal(7).Title) || !slices.Contains(pv, a.genUser(1).Email) {
		t.Errorf("PersonalValues lacks a deal title or a user email")
	}
	if got := a.SourcePersonalValues(); got["user"] != 12 || got["deal"] != 20 {
		t.Errorf("SourcePersonalValues = %v, want user 12, deal 20", got)
	}
}

// BenchmarkListMillion times one incremental deals page over a million
// deals, which scans every deal's update time.
func BenchmarkListMillion(b *testing.B) {
	_, s := newTestServer(b, Sizes{Users: 50, Deals: 1_000_000}, Options{})
	since := url.QueryEscape(Epoch.Add(-time.Hour).Format(time.RFC3339))
	for b.Loop() {
		get(b, s, "/api/v2/deals?limit=500&updated_since="+since, token)
	}
}
