package marketotest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

func newTestServer(t *testing.T, sizes Sizes, opts Options) (*Server, *Dataset) {
	t.Helper()
	ds := Generate(1, sizes)
	opts.ClientID, opts.ClientSecret = "cid", "secret"
	s := NewServer(ds, opts)
	t.Cleanup(s.Close)
	return s, ds
}

// do sends a request and returns the status, headers and body.
func do(t *testing.T, method, u, token, body string, header http.Header) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func object(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v", err)
	}
	return m
}

func token(t *testing.T, s *Server) string {
	t.Helper()
	status, _, b := do(t, "GET", s.URL()+"/identity/oauth/token?grant_type=client_credentials&client_id=cid&client_secret=secret", "", "", nil)
	if status != 200 {
		t.Fatalf("identity status %d", status)
	}
	return object(t, b)["access_token"].(string)
}

// shape is a JSON value's type name, with nested objects' key sets.
func shape(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k, e := range x {
			keys = append(keys, k+":"+shape(e))
		}
		sort.Strings(keys)
		return fmt.Sprint(keys)
	case []any:
		if len(x) == 0 {
			return "[]"
		}
		return "[" + shape(x[0]) + "]"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// api calls a REST or bulk path and returns the decoded envelope.
func api(t *testing.T, s *Server, tok, method, path, body string) map[string]any {
	t.Helper()
	status, _, b := do(t, method, s.URL()+path, tok, body, nil)
	if status != 200 {
		t.Fatalf("%s %s: status %d", method, path, status)
	}
	return object(t, b)
}

func createBody(filter string, from, to time.Time) string {
	return fmt.Sprintf(`{"fields":["id","createdAt","updatedAt","email"],"format":"CSV","filter":{%q:{"startAt":%q,"endAt":%q}}}`,
		filter, from.Format(time.RFC3339), to.Format(time.RFC3339))
}

// TestAnswersMatchFixtureShapes walks the identity and bulk export flow
// and compares every answer with the vendor's sample of it.
func TestAnswersMatchFixtureShapes(t *testing.T) {
	s, _ := newTestServer(t, Sizes{Leads: 50, Activities: 50}, Options{StatusInterval: time.Millisecond})
	tok := token(t, s)
	_, _, b := do(t, "GET", s.URL()+"/identity/oauth/token?grant_type=client_credentials&client_id=cid&client_secret=secret", "", "", nil)
	if got, want := shape(object(t, b)), shape(Fixture("identity-token.response")); got != want {
		t.Errorf("identity shape = %s, want %s", got, want)
	}
	from := Epoch.Add(-30 * 24 * time.Hour)
	check := func(name string, got map[string]any) {
		t.Helper()
		if g, w := shape(got), shape(Fixture(name)); g != w {
			t.Errorf("%s shape = %s, want %s", name, g, w)
		}
	}
	created := api(t, s, tok, "POST", "/bulk/v1/leads/export/create.json", createBody("updatedAt", from, Epoch))
	check("bulk-lead-export-create.response", created)
	id := created["result"].([]any)[0].(map[string]any)["exportId"].(string)
	check("bulk-lead-export-enqueue.response", api(t, s, tok, "POST", "/bulk/v1/leads/export/"+id+"/enqueue.json", ""))
	var st map[string]any
	for i := 0; i < 100; i++ {
		time.Sleep(2 * time.Millisecond)
		st = api(t, s, tok, "GET", "/bulk/v1/leads/export/"+id+"/status.json", "")
		status := st["result"].([]any)[0].(map[string]any)["status"]
		if status == "Processing" {
			check("bulk-lead-export-status-processing.response", st)
		}
		if status == "Completed" {
			break
		}
	}
	check("bulk-export-status-completed.response", st)
	check("error-response-level.example", api(t, s, "not-a-token", "GET", "/bulk/v1/leads/export/"+id+"/status.json", ""))

	other := api(t, s, tok, "POST", "/bulk/v1/leads/export/create.json", createBody("createdAt", from, Epoch))
	oid := other["result"].([]any)[0].(map[string]any)["exportId"].(string)
	check("bulk-lead-export-cancel.response", api(t, s, tok, "POST", "/bulk/v1/leads/export/"+oid+"/cancel.json", ""))

	pt := api(t, s, tok, "GET", "/rest/v1/activities/pagingtoken.json?sinceDatetime="+url.QueryEscape(from.Format(time.RFC3339)), "")
	check("activities-pagingtoken.response", pt)
	acts := api(t, s, tok, "GET", "/rest/v1/activities.json?activityTypeIds=1&nextPageToken="+url.QueryEscape(pt["nextPageToken"].(string)), "")
	check("activities.response", acts)
	check("leads-by-filter.response", api(t, s, tok, "GET", "/rest/v1/leads.json?filterType=id&filterValues=5001,5002", ""))
}

func TestStatusChangesAtMostOncePerInterval(t *testing.T) {
	s, _ := newTestServer(t, Sizes{Leads: 5}, Options{StatusInterval: time.Hour})
	tok := token(t, s)
	created := api(t, s, tok, "POST", "/bulk/v1/leads/export/create.json", createBody("createdAt", Epoch.Add(-24*time.Hour), Epoch))
	id := created["result"].([]any)[0].(map[string]any)["exportId"].(string)
	api(t, s, tok, "POST", "/bulk/v1/leads/export/"+id+"/enqueue.json", "")
	for range 5 {
		st := api(t, s, tok, "GET", "/bulk/v1/leads/export/"+id+"/status.json", "")
		if got := st["result"].([]any)[0].(map[string]any)["status"]; got != "Queued" {
			t.Fatalf("status right after enqueue = %v, want Queued for an hour", got)
		}
	}
	s.CancelJobs("Cancelled")
	st := api(t, s, tok, "GET", "/bulk/v1/leads/export/"+id+"/status.json", "")
	if got := st["result"].([]any)[0].(map[string]any)["status"]; got != "Cancelled" {
		t.Errorf("status after cancel = %v, want Cancelled", got)
	}
}

func TestFileRangeAndNull(t *testing.T) {
	s, ds := newTestServer(t, Sizes{Leads: 40}, Options{StatusInterval: time.Millisecond})
	at, _ := time.Parse(time.RFC3339, ds.Lead(ds.LeadID(3))["createdAt"].(string))
	ds.SetField(ds.LeadID(3), "leadSource", nil)
	tok := token(t, s)
	created := api(t, s, tok, "POST", "/bulk/v1/leads/export/create.json", fmt.Sprintf(
		`{"fields":["id","leadSource"],"format":"CSV","filter":{"createdAt":{"startAt":%q,"endAt":%q}}}`,
		at.Add(-20*24*time.Hour).Format(time.RFC3339), at.Add(10*24*time.Hour).Format(time.RFC3339)))
	id := created["result"].([]any)[0].(map[string]any)["exportId"].(string)
	api(t, s, tok, "POST", "/bulk/v1/leads/export/"+id+"/enqueue.json", "")
	var size float64
	for size == 0 {
		time.Sleep(2 * time.Millisecond)
		st := api(t, s, tok, "GET", "/bulk/v1/leads/export/"+id+"/status.json", "")
		size, _ = st["result"].([]any)[0].(map[string]any)["fileSize"].(float64)
	}
	status, _, full := do(t, "GET", s.URL()+"/bulk/v1/leads/export/"+id+"/file.json", tok, "", nil)
	if status != 200 || len(full) != int(size) || !strings.HasPrefix(string(full), "id,leadSource\n") {
		t.Fatalf("file: status %d, %d bytes of %v, header %q", status, len(full), size, strings.SplitN(string(full), "\n", 2)[0])
	}
	status, h, part := do(t, "GET", s.URL()+"/bulk/v1/leads/export/"+id+"/file.json", tok, "", http.Header{"Range": {"bytes=5-14"}})
	if want := fmt.Sprintf("bytes 5-14/%d", int(size)); status != 206 || h.Get("Content-Range") != want || string(part) != string(full[5:15]) {
		t.Errorf("range: status %d, Content-Range %q, want 206 %q and the same bytes", status, h.Get("Content-Range"), want)
	}
	if !strings.Contains(string(full), "5003,null\n") {
		t.Error("an empty field is not the literal null")
	}
}

func TestResponseLevelErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		prep func(s *Server)
		body string
		want string
	}{
		{"expired token", Options{}, func(s *Server) { s.ExpireTokens() }, "", "602"},
		{"daily quota", Options{DailyQuota: 1}, nil, "", "607"},
		{"rate limit", Options{RateLimit: 1, RateLimitInterval: time.Hour}, nil, "", "606"},
		{"updatedAt unsupported", Options{UpdatedAtUnsupported: true}, nil, createBody("updatedAt", Epoch.Add(-time.Hour), Epoch), "1035"},
		{"range over 31 days", Options{}, nil, createBody("createdAt", Epoch.Add(-40*24*time.Hour), Epoch), "1003"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, Sizes{Leads: 3}, tc.opts)
			tok := token(t, s)
			if tc.prep != nil {
				tc.prep(s)
			}
			path, method := "/rest/v1/activities/types.json", "GET"
			if tc.body != "" {
				path, method = "/bulk/v1/leads/export/create.json", "POST"
			} else {
				api(t, s, tok, method, path, "") // the first call is within every limit
			}
			got := api(t, s, tok, method, path, tc.body)
			errs, _ := got["errors"].([]any)
			if got["success"] != false || len(errs) == 0 || errs[0].(map[string]any)["code"] != tc.want {
				t.Errorf("answer %v, want success false with code %q", got, tc.want)
			}
		})
	}
}

func TestIdentityReusesTokenUntilExpiry(t *testing.T) {
	s, _ := newTestServer(t, Sizes{}, Options{})
	a, b := token(t, s), token(t, s)
	if a != b || s.Grants() != 1 {
		t.Errorf("two calls gave %q and %q with %d grants, want one token", a, b, s.Grants())
	}
	s.ExpireTokens()
	if c := token(t, s); c == a || s.Grants() != 2 {
		t.Errorf("after expiry got the same token or %d grants, want a new one", s.Grants())
	}
	if status, _, _ := do(t, "GET", s.URL()+"/identity/oauth/token?grant_type=client_credentials&client_id=cid&client_secret=nope", "", "", nil); status != 401 {
		t.Errorf("bad secret: status %d, want 401", status)
	}
}

func TestPagingTokensAndDeletedLeads(t *testing.T) {
	s, ds := newTestServer(t, Sizes{Leads: 10, Activities: 100}, Options{})
	tok := token(t, s)
	pt := api(t, s, tok, "GET", "/rest/v1/activities/pagingtoken.json?sinceDatetime="+url.QueryEscape(Epoch.Add(-Span).Format(time.RFC3339)), "")
	next, seen := pt["nextPageToken"].(string), 0
	for range 100 {
		page := api(t, s, tok, "GET", "/rest/v1/activities.json?batchSize=7&activityTypeIds=1,2,6,7,10,11,12&nextPageToken="+url.QueryEscape(next), "")
		items, _ := page["result"].([]any)
		seen += len(items)
		next = page["nextPageToken"].(string)
		if page["moreResult"] == false {
			break
		}
	}
	if seen != 100 {
		t.Errorf("paged %d activities, want 100", seen)
	}
	ds.Delete(ds.LeadID(4), time.Now())
	page := api(t, s, tok, "GET", "/rest/v1/activities/deletedleads.json?nextPageToken="+url.QueryEscape(next), "")
	items, _ := page["result"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["leadId"] != float64(5004) || items[0].(map[string]any)["activityTypeId"] != float64(37) {
		t.Errorf("deleted leads after the last token = %v, want lead 5004", items)
	}
	if again := api(t, s, tok, "GET", "/rest/v1/activities/deletedleads.json?nextPageToken="+url.QueryEscape(page["nextPageToken"].(string)), ""); again["result"] != nil {
		t.Errorf("deleted leads after the newest token = %v, want no result", again["result"])
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(9, Sizes{Leads: 10, Activities: 10}), Generate(9, Sizes{Leads: 10, Activities: 10})
	for i := range 10 {
		if fmt.Sprint(a.Lead(a.LeadID(i))) != fmt.Sprint(b.Lead(b.LeadID(i))) ||
			fmt.Sprint(a.genActivity(i)) != fmt.Sprint(b.genActivity(i)) {
			t.Fatalf("record %d differs between two generations of the same seed", i)
		}
	}
}
