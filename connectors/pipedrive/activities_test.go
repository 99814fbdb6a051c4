package pipedrive

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/connectors/pipedrive/pipedrivetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

// rawActivities fetches every activity's wire form from the fake.
func rawActivities(t *testing.T, f *fixture) map[string]map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL()+"/api/v2/activities?limit=500&include_fields=attendees", nil)
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
	out := map[string]map[string]any{}
	for _, a := range body.Data {
		out[idString(a["id"]).(string)] = a
	}
	return out
}

func TestActivityMapping(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 3, Deals: 5, Activities: 120}})
	recs := f.sync(t, "activity", "").Records()
	raw := rawActivities(t, f)
	if len(recs) != 120 || len(raw) != 120 {
		t.Fatalf("full pass emitted %d records (fake lists %d), want 120", len(recs), len(raw))
	}
	dueless := 0
	for _, r := range recs {
		a := raw[r.ID]
		occurred := a["due_date"]
		if occurred == nil {
			occurred, dueless = a["add_time"], dueless+1
		}
		want := map[string]any{"owner_id": idString(a["owner_id"]), "type": a["type"], "occurred_at": instant(occurred)}
		if diff := cmp.Diff(want, r.Fields); diff != "" {
			t.Errorf("activity %s fields (-want +got):\n%s", r.ID, diff)
		}
		if got, want := r.Version, version(a["update_time"]); !got.Equal(want) || r.Op != pipeline.OpUpsert {
			t.Errorf("activity %s = %s version %v, want upsert version %v", r.ID, r.Op, got, want)
		}
	}
	if dueless == 0 || dueless == len(recs) {
		t.Errorf("%d of %d activities lack a due date; the test needs both kinds", dueless, len(recs))
	}
	b, _ := json.Marshal(recs)
	for _, v := range f.ds.PersonalValues() {
		if strings.Contains(string(b), v) {
			t.Fatalf("emitted activities contain a personal value of the source (subject, note, attendee, location)")
		}
	}
}

func TestActivityIncrementalAndDeletes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		hide        bool
		wantDeletes []string
	}{
		{"listing returns deleted items", false, []string{"9"}},
		{"listing hides deleted items", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 3, Activities: 250},
				server: pipedrivetest.Options{HideDeletedActivities: tc.hide}})
			first := f.sync(t, "activity", "")
			if got := first.Len(); got != 3 {
				t.Errorf("full pass emitted %d pages, want 3 of at most 100", got)
			}
			f.clock.Add(time.Minute)
			f.ds.TouchActivity("4", f.clock.Now())
			f.ds.DeleteActivity("9", f.clock.Now())
			before := len(f.srv.Requests())
			next := f.sync(t, "activity", first.Last()).Records()
			if got, want := pipelinetest.IDs(next, pipeline.OpUpsert), []string{"4"}; !slices.Equal(got, want) {
				t.Errorf("incremental upserts = %v, want %v", got, want)
			}
			if got := pipelinetest.IDs(next, pipeline.OpDelete); !slices.Equal(got, tc.wantDeletes) {
				t.Errorf("incremental deletes = %v, want %v", got, tc.wantDeletes)
			}
			for _, r := range f.srv.Requests()[before:] {
				if r.Path != "/api/v2/activities" || !strings.Contains(r.Query, "updated_since=") {
					t.Errorf("incremental request %s %s?%s, want /api/v2/activities with updated_since", r.Method, r.Path, r.Query)
				}
				for _, p := range []string{"include_fields", "subject", "note", "attendees"} {
					if strings.Contains(r.Query, p) {
						t.Errorf("request asks for %s: %s", p, r.Query)
					}
				}
			}
		})
	}
}

func TestDailyBudgetStopsWithQuotaAndResumes(t *testing.T) {
	// 250 activities in pages of 100 need 3 requests of 20 tokens; the
	// budget allows 2.
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 3, Activities: 250},
		server: pipedrivetest.Options{DailyBudget: 50}, config: func(c *Config) { c.MaxRetries = 5 }})
	c := &pipelinetest.Collector{}
	err := f.src.Sync(context.Background(), "activity", "", c)
	if !errors.Is(err, pipeline.ErrQuota) || errors.Is(err, pipeline.ErrTransient) {
		t.Fatalf("Sync = %v, want ErrQuota and not ErrTransient", err)
	}
	if got := f.srv.RequestCount(); got != 3 {
		t.Errorf("requests = %d, want 3 (two pages, one 429 not retried)", got)
	}
	if got := len(c.Records()); got != 200 {
		t.Errorf("emitted %d activities before the stop, want 200", got)
	}
	f.srv.ResetBudget()
	rest := f.sync(t, "activity", c.Last()).Records()
	all := append(c.Records(), rest...)
	if got := len(pipelinetest.IDs(all, pipeline.OpUpsert)); got != 250 || len(rest) != 50 {
		t.Errorf("after the reset the pass resumed with %d records, %d distinct in all; want 50 and 250", len(rest), got)
	}
}

func TestBurstLimitIsRetriedNotQuota(t *testing.T) {
	f := newFixture(t, setup{sizes: pipedrivetest.Sizes{Users: 3, Activities: 250},
		server: pipedrivetest.Options{BurstLimit: 1, RateLimitWindow: 20 * time.Millisecond},
		config: func(c *Config) { c.MaxRetries = 50 }})
	if got := len(f.sync(t, "activity", "").Records()); got != 250 {
		t.Errorf("pass under a burst limit emitted %d activities, want 250", got)
	}
}

func TestBudgetSpent(t *testing.T) {
	body := func(msg string) []byte {
		b, _ := json.Marshal(map[string]any{"success": false, "error": msg})
		return b
	}
	hdr := func(remaining string) http.Header {
		h := http.Header{}
		if remaining != "" {
			h.Set("x-ratelimit-remaining", remaining)
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		h      http.Header
		body   []byte
		expect bool
	}{
		{"burst window spent", hdr("0"), body("Request over limit"), false},
		{"burst without headers", hdr(""), body("Request over limit"), false},
		{"daily budget message", hdr("0"), body(pipedrivetest.DailyBudgetMessage), true},
		{"budget wording", hdr(""), body("Token budget exhausted"), true},
		{"window has room", hdr("17"), body("Too Many Requests"), true},
		{"not json", hdr("0"), []byte("<html>429</html>"), false},
	} {
		if got := BudgetSpent(tc.h, tc.body); got != tc.expect {
			t.Errorf("%s: BudgetSpent = %t, want %t", tc.name, got, tc.expect)
		}
	}
}
