package pipedrive

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/connectors/pipedrive/pipedrivetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// rawDeal fetches one deal's wire form from the fake.
func rawDeal(t *testing.T, f *fixture, id string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL()+"/api/v2/deals?limit=500", nil)
	req.Header.Set("x-api-token", testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Data []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	for _, d := range body.Data {
		if idString(d["id"]) == id {
			return d
		}
	}
	t.Fatalf("deal %s not served", id)
	return nil
}

func TestDealMapping(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 3, Deals: 60}})
	recs := f.sync(t, "deal", "").Records()
	if len(recs) != 60 {
		t.Fatalf("full pass emitted %d records, want 60", len(recs))
	}
	seen := map[string]bool{}
	for _, r := range recs {
		d := rawDeal(t, f, r.ID)
		status := d["status"].(string)
		seen[status] = true
		want := map[string]any{
			"owner_id":   idString(d["owner_id"]),
			"stage":      idString(d["stage_id"]),
			"pipeline":   idString(d["pipeline_id"]),
			"is_won":     status == "won",
			"is_closed":  status == "won" || status == "lost",
			"amount":     d["value"],
			"currency":   d["currency"],
			"close_date": instant(firstSet(d["close_time"], d["won_time"], d["expected_close_date"])),
			"created_at": instant(d["add_time"]),
		}
		if diff := cmp.Diff(want, r.Fields); diff != "" {
			t.Fatalf("deal %s fields (-want +got):\n%s", r.ID, diff)
		}
		if got, want := r.Version, version(d["update_time"]); !got.Equal(want) || got.IsZero() {
			t.Errorf("deal %s Version = %v, want %v", r.ID, got, want)
		}
	}
	for _, s := range []string{"open", "won", "lost"} {
		if !seen[s] {
			t.Errorf("no %s deal among 60; the generator should produce every status", s)
		}
	}
}

func TestParseValues(t *testing.T) {
	at := time.Date(2025, 1, 1, 10, 20, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"rfc3339", instant("2025-01-01T10:20:00Z"), at},
		{"v1 time", instant("2025-01-01 10:20:00"), at},
		{"date", instant("2025-01-01"), at.Truncate(24 * time.Hour)},
		{"bad time kept raw", instant("soon"), "soon"},
		{"null time", instant(nil), nil},
		{"numeric id", idString(12000001.0), "12000001"},
		{"fractional id kept raw", idString(1.5), 1.5},
		{"number", number(1250.5), 1250.5},
		{"string number kept raw", number("1,250"), "1,250"},
		{"object kept raw", number(map[string]any{}), map[string]any{}},
		{"nested id kept raw", idString([]any{1.0}), []any{1.0}},
		{"number as text kept raw", text(7.0), 7.0},
		{"far time kept raw", instant("10000-01-01T00:00:00Z"), "10000-01-01T00:00:00Z"},
		{"year zero is a time", instant("0000-01-01T00:00:00Z"), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"won", statusIs("won", "won"), true},
		{"unknown status kept raw", statusIs("frozen", "won"), "frozen"},
		{"active flag", boolean(true), true},
		{"flag as number kept raw", boolean(1.0), 1.0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("parsed value (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUsers(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 14, Deals: 5}})
	c := f.sync(t, "user", "")
	recs := c.Records()
	if len(recs) != 14 || c.Len() != 1 {
		t.Fatalf("user pass emitted %d records in %d pages, want 14 in 1", len(recs), c.Len())
	}
	inactive := 0
	for _, r := range recs {
		if r.Version.IsZero() || r.Fields["created_at"] == nil {
			t.Errorf("user %s without version or created_at", r.ID)
		}
		if r.Fields["is_active"] == false {
			inactive++
		}
		if _, ok := r.Fields["first_name"]; ok {
			t.Errorf("user %s has first_name, which pipedrive does not provide", r.ID)
		}
	}
	if inactive != 2 {
		t.Errorf("%d inactive users, want 2 (every seventh)", inactive)
	}
	// Users are listed in full every pass.
	if n := len(f.sync(t, "user", c.Last()).Records()); n != 14 {
		t.Errorf("second user pass emitted %d records, want 14", n)
	}
	if !strings.Contains(f.logs.String(), "first_name") {
		t.Errorf("unsupported projected fields were not logged")
	}
}

func TestIncrementalRequests(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 2, Deals: 250}, config: func(c *Config) { c.UpdateLag = 90 * time.Second }})
	done := f.sync(t, "deal", "").Last()
	start := f.clock.Now()
	f.clock.Add(time.Hour)
	touched := f.ds.DealID(7)
	f.ds.Touch(touched, f.clock.Now())
	f.ds.Delete(f.ds.DealID(8), f.clock.Now())
	f.ds.Archive(f.ds.DealID(9), f.clock.Now())
	before := len(f.srv.Requests())
	recs := f.sync(t, "deal", done).Records()
	if diff := cmp.Diff([]string{touched}, pipelinetest.IDs(recs, pipeline.OpUpsert)); diff != "" {
		t.Errorf("incremental upserts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(pipelinetest.IDs([]pipeline.Record{{ID: f.ds.DealID(8)}, {ID: f.ds.DealID(9)}}, ""), pipelinetest.IDs(recs, pipeline.OpDelete)); diff != "" {
		t.Errorf("incremental deletes (-want +got):\n%s", diff)
	}
	since := start.Add(-90 * time.Second).Format(time.RFC3339)
	var got []string
	for _, r := range f.srv.Requests()[before:] {
		q, _ := url.ParseQuery(r.Query)
		if q.Get("updated_since") != since {
			t.Errorf("request %s updated_since = %q, want %q", r.Path, q.Get("updated_since"), since)
		}
		got = append(got, r.Path+" "+q.Get("status"))
	}
	want := []string{"/api/v2/deals ", "/api/v2/deals deleted", "/api/v2/deals/archived "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("incremental requests (-want +got):\n%s", diff)
	}
}

func TestProjectionLimitsFields(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 2, Deals: 10},
		projection: map[string][]string{"deal": {"id", "amount", "name"}, "placement": {"id"}}})
	if diff := cmp.Diff([]string{"deal"}, f.src.Objects()); diff != "" {
		t.Errorf("Objects (-want +got):\n%s", diff)
	}
	for _, r := range f.sync(t, "deal", "").Records() {
		if len(r.Fields) != 1 || r.Fields["amount"] == nil {
			t.Fatalf("deal %s fields %v, want amount only", r.ID, r.Fields)
		}
	}
	logs := f.logs.String()
	for _, want := range []string{"object=placement", "fields=[name]"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// recorder captures the requests that leave the connector.
type recorder struct {
	reqs []*http.Request
	next http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.reqs = append(r.reqs, req)
	return r.next.RoundTrip(req)
}

func TestTokenTravelsInHeaderOnly(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 2, Deals: 3}})
	rec := &recorder{next: http.DefaultTransport}
	cfg := f.src.cfg
	src, err := New(cfg, pipeline.SourceEnv{Tenant: "acme", Name: "pd", Projection: allFields(), Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Sync(context.Background(), "deal", "", &pipelinetest.Collector{}); err != nil {
		t.Fatal(err)
	}
	if len(rec.reqs) == 0 {
		t.Fatal("no request recorded")
	}
	for _, r := range rec.reqs {
		if r.Header.Get("x-api-token") != testToken || strings.Contains(r.URL.RawQuery, testToken) || r.Header.Get("Authorization") != "" {
			t.Errorf("request %s: token not in x-api-token only", r.URL.Path)
		}
		if r.Method != http.MethodGet {
			t.Errorf("request %s %s is not a GET", r.Method, r.URL.Path)
		}
	}
}

func TestErrorsKinds(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    setup
		want error
	}{
		{"wrong token", setup{token: "0000-wrong-token"}, pipeline.ErrConfig},
		{"5xx past retries", setup{server: pipedrivetest.Options{FailEvery: 1}, config: func(c *Config) { c.MaxRetries = 2 }}, pipeline.ErrTransient},
		{"429 past retries", setup{server: pipedrivetest.Options{BurstLimit: 1, RateLimitWindow: time.Hour}, config: func(c *Config) { c.MaxRetries = 2 }}, pipeline.ErrTransient},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.s.sizes = pipedrivetest.Sizes{Users: 2, Deals: 300}
			f := newFixture(t, tc.s)
			err := f.src.Sync(context.Background(), "deal", "", &pipelinetest.Collector{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Sync = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "wrong-token") {
				t.Errorf("error %q quotes the token", err)
			}
		})
	}
}

func TestRateLimitWait(t *testing.T) {
	for _, tc := range []struct {
		name      string
		remaining string
		reset     string
		want      time.Duration
		ok        bool
	}{
		{"budget left", "3", "2", 0, false},
		{"spent", "0", "2", 2 * time.Second, true},
		{"spent without reset", "0", "", time.Second, true},
		{"no headers", "", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.remaining != "" {
				h.Set("x-ratelimit-remaining", tc.remaining)
			}
			if tc.reset != "" {
				h.Set("x-ratelimit-reset", tc.reset)
			}
			got, ok := RateLimitWait(h)
			if got != tc.want || ok != tc.ok {
				t.Errorf("RateLimitWait = %v, %v, want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestResumeRejectsForeignCursor(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 1, Deals: 1}})
	err := f.src.Sync(context.Background(), "deal", `{"after":"x"}`, &pipelinetest.Collector{})
	if !errors.Is(err, errCursor) {
		t.Errorf("Sync with a foreign cursor = %v, want %v", err, errCursor)
	}
}

func TestCheckProvesTheToken(t *testing.T) {
	for _, tc := range []struct {
		name  string
		token string
		ok    bool
	}{{"valid token", "", true}, {"wrong token", "pd-wrong-token", false}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 1, Deals: 3}, token: tc.token})
			err := f.src.Check(context.Background())
			if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, pipeline.ErrConfig)) {
				t.Fatalf("Check() = %v, want ok=%v (ErrConfig otherwise)", err, tc.ok)
			}
		})
	}
}
