package crmhttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

var testAllow = AllowList{
	{Method: http.MethodGet, Path: "/crm/v3/objects/{object}"},
	{Method: http.MethodPost, Path: "/crm/v3/objects/{object}/search"},
	{Method: http.MethodGet, Path: "/crm/v3/owners"},
}

const testToken = "pat-na1-11111111-2222-3333-4444-555555555555"

// countingServer answers 200 {} and counts every request that reaches it.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func newTestClient(t *testing.T, base string, mod func(*Options)) *Client {
	t.Helper()
	o := Options{
		Vendor:       "testcrm",
		BaseURL:      base,
		AllowList:    testAllow,
		Token:        config.NewSecret("TEST_TOKEN", testToken),
		MaxRetries:   3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestGuard(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		allowed bool
	}{
		{"list deals", "GET", "/crm/v3/objects/deals", nil, true},
		{"list deals by type id", "GET", "/crm/v3/objects/0-3", nil, true},
		{"search contacts", "POST", "/crm/v3/objects/contacts/search", map[string]any{"limit": 1}, true},
		{"list owners", "GET", "/crm/v3/owners", nil, true},
		{"create deal", "POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]string{"dealname": "x"}}, false},
		{"update deal", "PATCH", "/crm/v3/objects/deals/12345", map[string]any{}, false},
		{"replace deal", "PUT", "/crm/v3/objects/deals/12345", map[string]any{}, false},
		{"delete deal", "DELETE", "/crm/v3/objects/deals/12345", nil, false},
		{"delete owner", "DELETE", "/crm/v3/owners", nil, false},
		{"batch archive", "POST", "/crm/v3/objects/deals/batch/archive", map[string]any{}, false},
		{"get one contact", "GET", "/crm/v3/objects/contacts/12345", nil, false},
		{"get one owner", "GET", "/crm/v3/owners/12345", nil, false},
		{"outside list", "GET", "/crm/v3/properties/deals", nil, false},
		{"oauth", "POST", "/oauth/v1/token", nil, false},
		{"traversal", "GET", "/crm/v3/objects/deals/../../owners", nil, false},
		{"traversal into allowed", "GET", "/crm/v3/objects/x/../deals", nil, false},
		{"dot segment", "GET", "/crm/v3/./owners", nil, false},
		{"double slash", "GET", "/crm/v3//owners", nil, false},
		{"empty param", "GET", "/crm/v3/objects/", nil, false},
		{"lower-case method", "get", "/crm/v3/objects/deals", nil, false},
		{"mixed-case method", "Post", "/crm/v3/objects/deals/search", map[string]any{}, false},
		{"head", "HEAD", "/crm/v3/owners", nil, false},
		{"get search", "GET", "/crm/v3/objects/deals/search", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := countingServer(t)
			c := newTestClient(t, srv.URL, nil)
			q := url.Values{"after": {"jane.doe@example.org"}}
			err := c.Do(context.Background(), Request{Method: tc.method, Path: tc.path, Query: q, Body: tc.body}, nil)
			if tc.allowed {
				if err != nil || n.Load() != 1 {
					t.Fatalf("Do(%s %s) = %v with %d requests, want nil with 1", tc.method, tc.path, err, n.Load())
				}
				return
			}
			if !errors.Is(err, pipeline.ErrForbidden) {
				t.Fatalf("Do(%s %s) = %v, want ErrForbidden", tc.method, tc.path, err)
			}
			if got := n.Load(); got != 0 {
				t.Fatalf("Do(%s %s): server saw %d requests, want 0", tc.method, tc.path, got)
			}
			if msg := err.Error(); strings.Contains(msg, "jane") || strings.Contains(msg, "12345") || strings.Contains(msg, testToken) {
				t.Errorf("error %q leaks a query value, id or token", msg)
			}
		})
	}
}

// TestGuardRawRequests sends requests past Client.Do, straight through a
// Guard, for URL forms Do cannot produce.
func TestGuardRawRequests(t *testing.T) {
	srv, n := countingServer(t)
	base, _ := url.Parse(srv.URL)
	tests := []struct {
		name, method, url string
	}{
		{"escaped slash traversal", "GET", srv.URL + "/crm/v3/objects/deals%2F..%2F..%2Fowners"},
		{"escaped dots", "GET", srv.URL + "/crm/v3/objects/deals/%2e%2e/%2e%2e/owners"},
		{"backslash", "GET", srv.URL + "/crm/v3/objects/deals%5C..%5Cowners"},
		{"other host", "GET", "http://example.invalid/crm/v3/owners"},
		{"other scheme", "GET", strings.Replace(srv.URL, "http://", "https://", 1) + "/crm/v3/owners"},
	}
	hc := &http.Client{Transport: &Guard{Allow: testAllow, BaseURL: base}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = hc.Do(req)
			if !errors.Is(err, pipeline.ErrForbidden) {
				t.Fatalf("Do(%s) = %v, want ErrForbidden", tc.url, err)
			}
		})
	}
	if got := n.Load(); got != 0 {
		t.Errorf("server saw %d requests, want 0", got)
	}
}

func TestSafePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/crm/v3/objects/deals", "/crm/v3/objects/deals"},
		{"/crm/v3/objects/deals/12345", "/crm/v3/objects/deals/{…}"},
		{"/crm/v3/objects/contacts/jane@example.org", "/crm/v3/objects/contacts/{…}"},
		{"/crm/v3/objects/deals/../../owners", "/crm/v3/objects/deals/../../owners"},
	}
	for _, tc := range tests {
		if got := safePath(tc.in); got != tc.want {
			t.Errorf("safePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
