package marketo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/marketo/marketotest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

var small = marketotest.Sizes{Leads: 120, Activities: 150}

// liveLeads is every lead id of a dataset without mutations.
func liveLeads(ds *marketotest.Dataset) []string {
	var out []string
	for i := range ds.Sizes().Leads {
		out = append(out, ds.LeadID(i))
	}
	slices.Sort(out)
	return out
}

func TestFullLeadPassRequestsOnlyProjectedColumns(t *testing.T) {
	f := newFixture(t, small, serverOptions(), nil)
	c := f.sync(t, "lead", "")
	if got, want := pipelinetest.IDs(c.Records(), pipeline.OpUpsert), liveLeads(f.ds); !slices.Equal(got, want) {
		t.Fatalf("full pass emitted %d leads, want %d", len(got), len(want))
	}
	for _, r := range f.srv.Requests() {
		if !strings.HasSuffix(r.Path, "/create.json") {
			continue
		}
		var body struct {
			Fields []string `json:"fields"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatal(err)
		}
		want := []string{"id", "createdAt", "updatedAt", "leadStatus", "leadSource", "mqlDate"}
		slices.Sort(want)
		got := slices.Clone(body.Fields)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("export job fields = %v, want %v", body.Fields, want)
		}
	}
	// Every field of a lead has its canonical type.
	r := c.Records()[0]
	for name, v := range r.Fields {
		switch name {
		case "created_at":
			if _, ok := v.(time.Time); !ok {
				t.Errorf("created_at = %T, want time.Time", v)
			}
		case "lead_source", "lifecycle_stage":
			if _, ok := v.(string); !ok && v != nil {
				t.Errorf("%s = %T, want string", name, v)
			}
		case "mql_at":
			if _, ok := v.(time.Time); !ok && v != nil {
				t.Errorf("mql_at = %T, want time.Time or nil", v)
			}
		default:
			t.Errorf("unexpected field %s", name)
		}
	}
	if !strings.Contains(f.logs.String(), "projected fields marketo does not provide stay empty") {
		t.Error("unsupported projected fields (owner_id, email, …) were not logged")
	}
}

func TestPollingIsSpacedAndJobsQueue(t *testing.T) {
	opts := serverOptions()
	opts.StatusInterval = 20 * time.Millisecond
	f := newFixture(t, small, opts, func(c *Config) { c.PollInterval = 15 * time.Millisecond })
	f.sync(t, "lead", "")
	jobs := f.srv.Jobs()
	// Each job goes Queued → Processing → Completed, one change per 20ms;
	// polling every 15ms needs at most a handful of calls, never a storm.
	if got := f.requests("GET", "/status.json"); got > 6*jobs {
		t.Errorf("%d status calls for %d jobs: polling is not spaced", got, jobs)
	}
	if got := f.requests("POST", "/enqueue.json"); got != jobs {
		t.Errorf("%d enqueue calls for %d jobs", got, jobs)
	}
}

func TestKilledDownloadResumesAtItsByte(t *testing.T) {
	f := newFixture(t, marketotest.Sizes{Leads: 400}, serverOptions(), func(c *Config) { c.BatchSize, c.ChunkBytes = 30, 1024 })
	full := f.sync(t, "lead", "")
	kill := errors.New("killed")
	part := &pipelinetest.Collector{Hook: func(n int) error {
		if n == 5 {
			return kill
		}
		return nil
	}}
	if err := f.src.Sync(context.Background(), "lead", "", part); !errors.Is(err, kill) {
		t.Fatalf("Sync = %v, want the emit error unchanged", err)
	}
	// Find the last checkpoint taken inside a download.
	var cur leadCursor
	for _, s := range part.Cursors() {
		c, _ := decodeLead(s)
		if c.Offset > 0 {
			cur = c
		}
	}
	if cur.Offset == 0 {
		t.Fatal("no checkpoint inside a download")
	}
	before := len(f.srv.Requests())
	rest := f.sync(t, "lead", encode(cur))
	first := ""
	for _, r := range f.srv.Requests()[before:] {
		if strings.HasSuffix(r.Path, "/file.json") {
			first = r.Range
			break
		}
	}
	if want := fmt.Sprintf("bytes=%d-", cur.Offset); !strings.HasPrefix(first, want) {
		t.Errorf("resumed download asked Range %q, want it to start at %q", first, want)
	}
	got := append(pipelinetest.IDs(part.Records(), pipeline.OpUpsert), pipelinetest.IDs(rest.Records(), pipeline.OpUpsert)...)
	slices.Sort(got)
	if want := pipelinetest.IDs(full.Records(), pipeline.OpUpsert); !slices.Equal(slices.Compact(got), want) {
		t.Errorf("killed and resumed passes emitted %d distinct leads, want %d", len(slices.Compact(got)), len(want))
	}
	if len(got) != len(slices.Compact(got)) {
		t.Errorf("resume re-emitted %d rows it had emitted", len(got)-len(slices.Compact(got)))
	}
}

func TestCanceledJobEndsPassAndNextPassStartsFresh(t *testing.T) {
	for _, spelling := range []string{"Canceled", "Cancelled"} {
		t.Run(spelling, func(t *testing.T) {
			f := newFixture(t, small, serverOptions(), nil)
			// Stop at the first checkpoint, which holds the new job, before
			// it is enqueued; then someone cancels it.
			stop, first := errors.New("stop"), ""
			f.src.Sync(context.Background(), "lead", "", pipeline.EmitterFunc(func(_ context.Context, _ []pipeline.Record, cur string) error {
				first = cur
				return stop
			}))
			f.srv.CancelJobs(spelling)
			after := &pipelinetest.Collector{}
			err := f.src.Sync(context.Background(), "lead", first, after)
			if !errors.Is(err, pipeline.ErrTransient) || !strings.Contains(err.Error(), spelling) {
				t.Fatalf("Sync over a canceled job = %v, want a transient error naming %s", err, spelling)
			}
			if cur, _ := decodeLead(after.Last()); cur.Job != "" {
				t.Fatal("checkpoint after the canceled job still holds it")
			}
			jobs := f.srv.Jobs()
			done := f.sync(t, "lead", after.Last())
			if f.srv.Jobs() <= jobs {
				t.Error("the next pass did not create a fresh job")
			}
			if got := len(pipelinetest.IDs(done.Records(), pipeline.OpUpsert)); got != small.Leads {
				t.Errorf("next pass emitted %d leads, want %d", got, small.Leads)
			}
		})
	}
}

func TestUpdatedAtUnsupportedFallsBackToCreatedAt(t *testing.T) {
	opts := serverOptions()
	opts.UpdatedAtUnsupported = true
	f := newFixture(t, small, opts, nil)
	c := f.sync(t, "lead", "")
	if got := len(pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); got != small.Leads {
		t.Errorf("pass emitted %d leads, want %d", got, small.Leads)
	}
	if cur, _ := decodeLead(c.Last()); cur.Filter != "createdAt" {
		t.Errorf("cursor filter = %q, want createdAt kept for later passes", cur.Filter)
	}
	if !strings.Contains(f.logs.String(), "filtering by createdAt") {
		t.Error("the fallback was not logged")
	}
}

func TestTokenRefreshedOnExpiry(t *testing.T) {
	f := newFixture(t, small, serverOptions(), nil)
	c := f.sync(t, "lead", "")
	f.srv.ExpireTokens()
	f.ds.Touch(f.ds.LeadID(3), time.Now())
	next := f.sync(t, "lead", c.Last())
	if got := pipelinetest.IDs(next.Records(), pipeline.OpUpsert); !slices.Contains(got, f.ds.LeadID(3)) {
		t.Error("changed lead missing after the token was renewed")
	}
	if g := f.srv.Grants(); g != 2 {
		t.Errorf("identity granted %d tokens, want 2 (reuse, then one renewal on 602)", g)
	}
}

func TestBadCredentialsAreAConfigError(t *testing.T) {
	opts := serverOptions()
	opts.ClientSecret = "another-secret"
	f := newFixture(t, small, opts, nil)
	err := f.src.Open(context.Background())
	if !errors.Is(err, pipeline.ErrConfig) || !strings.Contains(err.Error(), "MARKETO_CLIENT_SECRET") {
		t.Errorf("Open = %v, want a config error naming MARKETO_CLIENT_SECRET", err)
	}
}

func TestQuotaStopsCleanlyAndResumes(t *testing.T) {
	tests := []struct {
		name string
		opts func(*marketotest.Options)
	}{
		{"daily quota 607", func(o *marketotest.Options) { o.DailyQuota = 12 }},
		{"export quota 1029", func(o *marketotest.Options) { o.ExportQuota = 1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := serverOptions()
			tc.opts(&opts)
			f := newFixture(t, small, opts, nil)
			c := &pipelinetest.Collector{}
			err := f.src.Sync(context.Background(), "lead", "", c)
			if !errors.Is(err, pipeline.ErrQuota) {
				t.Fatalf("Sync = %v, want ErrQuota", err)
			}
			// Each following day resumes from the last checkpoint until the
			// pass completes.
			for day := 0; err != nil; day++ {
				if !errors.Is(err, pipeline.ErrQuota) || day > 60 {
					t.Fatalf("day %d: Sync = %v, want ErrQuota until done", day, err)
				}
				f.srv.ResetQuota()
				err = f.src.Sync(context.Background(), "lead", c.Last(), c)
			}
			got := pipelinetest.IDs(c.Records(), pipeline.OpUpsert)
			if n := len(got); n != small.Leads {
				t.Errorf("quota stop and resume emitted %d leads, want %d", n, small.Leads)
			}
		})
	}
}

func TestRateLimitAndQueueFullBackOff(t *testing.T) {
	opts := serverOptions()
	opts.RateLimit, opts.RateLimitInterval, opts.QueueLimit = 4, 20*time.Millisecond, 1
	f := newFixture(t, small, opts, func(c *Config) { c.MaxRetries = 40 })
	// Another client's job fills the one-slot queue for a while.
	tok := identityToken(t, f.srv.URL())
	body := `{"fields":["id"],"format":"CSV","filter":{"createdAt":{"startAt":"2026-05-01T00:00:00Z","endAt":"2026-05-02T00:00:00Z"}}}`
	var created struct {
		Result []struct{ ExportID string } `json:"result"`
	}
	post(t, f.srv.URL()+"/bulk/v1/leads/export/create.json", tok, body, &created)
	post(t, f.srv.URL()+"/bulk/v1/leads/export/"+created.Result[0].ExportID+"/enqueue.json", tok, "", nil)
	c := f.sync(t, "lead", "")
	if got := len(pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); got != small.Leads {
		t.Errorf("pass emitted %d leads, want %d", got, small.Leads)
	}
	logs := f.logs.String()
	for _, code := range []string{"code 606", "code 1029"} {
		if !strings.Contains(logs, code) {
			t.Errorf("no back-off on %s logged", code)
		}
	}
}

func identityToken(t *testing.T, base string) string {
	t.Helper()
	q := url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testClientSecret}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	resp, err := http.Get(base + "/identity/oauth/token?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&tok)
	return tok.AccessToken
}

func post(t *testing.T, u, tok, body string, dst any) {
	t.Helper()
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if dst != nil {
		json.Unmarshal(b, dst)
	}
}

func TestActivityTypesNamedFromConfigOrVendor(t *testing.T) {
	tests := []struct {
		name      string
		types     map[int]string
		wantCalls int
		wantName  string
	}{
		{"from types.json", nil, 1, "Visit Webpage"},
		{"from config", map[int]string{1: "web visit", 2: "form", 6: "email sent", 7: "email delivered", 10: "email open",
			11: "email click", 12: "new lead"}, 0, "web visit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, small, serverOptions(), func(c *Config) { c.ActivityTypes = tc.types })
			c := f.sync(t, "activity", "")
			if got := len(pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); got != small.Activities {
				t.Errorf("pass emitted %d activities, want %d", got, small.Activities)
			}
			if got := f.requests("GET", "/types.json"); got != tc.wantCalls {
				t.Errorf("%d types.json calls, want %d", got, tc.wantCalls)
			}
			names := map[any]bool{}
			for _, r := range c.Records() {
				names[r.Fields["type"]] = true
				for k := range r.Fields {
					if k != "type" && k != "occurred_at" {
						t.Fatalf("activity carries field %s", k)
					}
				}
			}
			if !names[tc.wantName] {
				t.Errorf("type names %v lack %q", names, tc.wantName)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	ok := testConfig("https://123-ABC-456.mktorest.com")
	tests := []struct {
		name string
		mod  func(*Config)
		want []string
	}{
		{"valid", func(*Config) {}, nil},
		{"missing everything", func(c *Config) { *c = DefaultConfig() }, []string{"base_url", "client_id", "client_secret", "start_date"}},
		{"bounds", func(c *Config) {
			c.WindowDays, c.PageSize, c.ActivityTypeIDs, c.Overlap = 32, 301, make([]int, 11), 0
		}, []string{"window_days", "page_size", "activity_type_ids", "overlap"}},
		{"unset secret", func(c *Config) { c.ClientSecret = config.NewSecret("MARKETO_CLIENT_SECRET", "") }, []string{"client_secret", "MARKETO_CLIENT_SECRET"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.Validate()
			if len(tc.want) == 0 && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want a problem with %s", err, w)
				}
			}
		})
	}
}
