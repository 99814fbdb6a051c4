package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

func TestRateLimitSecondly(t *testing.T) {
	f := newFixture(t, setup{
		sizes:  hubspottest.Sizes{Deals: 120},
		server: hubspottest.Options{SecondlyLimit: 3, RateLimitInterval: 150 * time.Millisecond},
		config: func(c *Config) { c.PageSize = 10; c.RetryWaitMax = time.Millisecond },
	})
	c := f.sync(t, "deal", "")
	if diff := cmp.Diff(f.allIDs("deals", 120), pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); diff != "" {
		t.Errorf("upserted ids (-want +got):\n%s", diff)
	}
	if got, pages := f.srv.RequestCount(), c.Len(); got <= pages {
		t.Errorf("server saw %d requests for %d pages, want some 429s retried", got, pages)
	}
}

func TestRateLimitDaily(t *testing.T) {
	f := newFixture(t, setup{
		sizes:  hubspottest.Sizes{Deals: 100},
		server: hubspottest.Options{DailyLimit: 3},
		config: func(c *Config) { c.PageSize = 10 },
	})
	c := &pipelinetest.Collector{}
	err := f.src.Sync(context.Background(), "deal", "", c)
	if !errors.Is(err, pipeline.ErrQuota) {
		t.Fatalf("Sync = %v, want ErrQuota", err)
	}
	if c.Len() != 3 || f.srv.RequestCount() != 4 {
		t.Errorf("emitted %d pages with %d requests, want 3 pages and 4 requests (no retry)", c.Len(), f.srv.RequestCount())
	}
	if !strings.Contains(err.Error(), "deals page 4") {
		t.Errorf("error %q does not name the object and page", err)
	}
}

func TestUnauthorized(t *testing.T) {
	const wrong = "pat-na1-ffffffff-wrong-token-value"
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Deals: 10}, token: wrong})
	c := &pipelinetest.Collector{}
	err := f.src.Sync(context.Background(), "deal", "", c)
	if !errors.Is(err, pipeline.ErrConfig) {
		t.Fatalf("Sync = %v, want ErrConfig", err)
	}
	msg := err.Error()
	for _, want := range []string{"hubspot rejected the token (401", "HUBSPOT_TOKEN", "INVALID_AUTHENTICATION"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	for _, leak := range []string{wrong, testToken, "pat-na1"} {
		if strings.Contains(msg, leak) || strings.Contains(f.logs.String(), leak) {
			t.Errorf("error or log contains the token")
		}
	}
	if c.Len() != 0 || f.srv.RequestCount() != 1 {
		t.Errorf("emitted %d pages with %d requests, want none after 1 request", c.Len(), f.srv.RequestCount())
	}
}

func TestServerErrorStorm(t *testing.T) {
	f := newFixture(t, setup{
		sizes:  hubspottest.Sizes{Deals: 100},
		server: hubspottest.Options{FailEvery: 2},
		config: func(c *Config) { c.PageSize = 10 },
	})
	c := f.sync(t, "deal", "")
	if diff := cmp.Diff(f.allIDs("deals", 100), pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); diff != "" {
		t.Errorf("upserted ids (-want +got):\n%s", diff)
	}

	f = newFixture(t, setup{
		sizes:  hubspottest.Sizes{Deals: 100},
		server: hubspottest.Options{FailEvery: 1},
		config: func(c *Config) { c.MaxRetries = 3 },
	})
	err := f.src.Sync(context.Background(), "deal", "", &pipelinetest.Collector{})
	if !errors.Is(err, pipeline.ErrTransient) || f.srv.RequestCount() != 4 {
		t.Errorf("Sync against a dead server = %v after %d requests, want ErrTransient after 4", err, f.srv.RequestCount())
	}
}

// corrupting replaces the body of matching 200 answers with broken JSON
// that quotes a personal value, while bad() says so.
type corrupting struct {
	bad  func(r *http.Request) bool
	base http.RoundTripper
}

func (c corrupting) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err != nil || resp.StatusCode != 200 || !c.bad(r) {
		return resp, err
	}
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader([]byte(`{"results":[{"id":"1","properties":{"dealname":"jane.doe@example.org`)))
	return resp, nil
}

func TestMalformedPage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int64
		wantErr  bool
	}{{"retried", 2, false}, {"persistent", 1000, true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, setup{sizes: hubspottest.Sizes{Deals: 30}, config: func(c *Config) { c.PageSize = 10; c.MaxRetries = 3 }})
			var n atomic.Int64
			tr := corrupting{base: http.DefaultTransport, bad: func(r *http.Request) bool {
				return strings.Contains(r.URL.RawQuery, "after=") && n.Add(1) <= tc.failures
			}}
			src, err := New(f.src.cfg, pipeline.SourceEnv{Tenant: "acme", Name: "hs", Projection: allFields(), Transport: tr})
			if err != nil {
				t.Fatal(err)
			}
			c := &pipelinetest.Collector{}
			err = src.Sync(context.Background(), "deal", "", c)
			if !tc.wantErr {
				if err != nil || len(pipelinetest.IDs(c.Records(), pipeline.OpUpsert)) != 30 {
					t.Fatalf("Sync = %v with %d records, want nil with 30", err, len(c.Records()))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "deals page 2") || !strings.Contains(err.Error(), "malformed") ||
				strings.Contains(err.Error(), "jane") {
				t.Fatalf("Sync = %v, want a malformed-body error naming deals page 2 and no body", err)
			}
			if c.Len() != 1 {
				t.Errorf("emitted %d pages, want the first page only", c.Len())
			}
		})
	}
}

func TestMalformedValues(t *testing.T) {
	f := newFixture(t, setup{sizes: hubspottest.Sizes{Deals: 5}})
	id := f.ds.ID("deals", 2)
	f.ds.SetProperty("deals", id, "amount", "12,5 EUR")
	f.ds.SetProperty("deals", id, "closedate", "next tuesday")
	f.ds.SetProperty("deals", id, "hs_is_closed_won", "yes")
	f.ds.SetProperty("deals", id, "hs_is_closed", "")
	c := f.sync(t, "deal", "")
	for _, r := range c.Records() {
		if r.ID != id {
			continue
		}
		got := map[string]any{"amount": r.Fields["amount"], "close_date": r.Fields["close_date"],
			"is_won": r.Fields["is_won"], "is_closed": r.Fields["is_closed"]}
		want := map[string]any{"amount": "12,5 EUR", "close_date": "next tuesday", "is_won": "yes", "is_closed": nil}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("malformed values (-want +got):\n%s", diff)
		}
		if strings.Contains(f.logs.String(), "12,5") || strings.Contains(f.logs.String(), "tuesday") {
			t.Errorf("a malformed value was logged")
		}
		return
	}
	t.Fatalf("deal %s not emitted", id)
}

func TestParse(t *testing.T) {
	ms := time.UnixMilli(1572480000000).UTC()
	iso := time.Date(2019, 12, 7, 16, 50, 6, 678e6, time.UTC)
	tests := []struct {
		kind valueKind
		in   any
		want any
	}{
		{number, "17", json.Number("17")},
		{number, " 1e300 ", json.Number("1e300")},
		{number, ".5", json.Number("0.5")},
		{number, "Infinity", "Infinity"},
		{number, "1234.5", json.Number("1234.5")},
		{number, 17.5, 17.5},
		{number, "", nil},
		{number, nil, nil},
		{number, "NaN", "NaN"},
		{number, "12abc", "12abc"},
		{boolean, "true", true},
		{boolean, "false", false},
		{boolean, "TRUE", "TRUE"},
		{instant, "1572480000000", ms},
		{instant, "2019-12-07T16:50:06.678Z", iso},
		{instant, "2019-12-07", time.Date(2019, 12, 7, 0, 0, 0, 0, time.UTC)},
		{instant, "soon", "soon"},
		{text, "closedwon", "closedwon"},
		// Wrong JSON types go on as they came, for validate's rule type.
		{text, 42.0, 42.0},
		{text, true, true},
		{text, map[string]any{"a": "b"}, map[string]any{"a": "b"}},
		{number, []any{1.0}, []any{1.0}},
		{boolean, 1.0, 1.0},
		// Instants outside years 1–9999 are times, for Preflight's rule range.
		{instant, "999999999999999", time.UnixMilli(999999999999999).UTC()},
		{instant, 1572480000000.0, ms},
		{instant, 1.5, 1.5},
		{instant, "99999999999999999999", "99999999999999999999"},
	}
	for _, tc := range tests {
		if got := parse(tc.kind, tc.in); !cmp.Equal(got, tc.want) {
			t.Errorf("parse(%v, %#v) = %#v, want %#v", tc.kind, tc.in, got, tc.want)
		}
	}
}
