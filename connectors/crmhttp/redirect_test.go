package crmhttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tally-dev/tally/pipeline"
)

// TestRedirects: 307 and 308 answers are followed only to the allowed
// host names and only onto allow-listed routes; other redirects, and
// every redirect without RedirectHosts, are answers.
func TestRedirects(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/crm/v3/objects/deals" || r.URL.Query().Get("after") != "MTIzNDU=" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		ok(w)
	}))
	t.Cleanup(target.Close)
	// Another host name for the same server: not 127.0.0.1.
	otherName := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)
	tests := []struct {
		name     string
		status   int
		location string
		hosts    []string
		wantErr  error // nil: followed and decoded
		wantText string
	}{
		{"307 to an allowed host", http.StatusTemporaryRedirect, target.URL + "/crm/v3/objects/deals?after=MTIzNDU%3D", []string{"127.0.0.1"}, nil, ""},
		{"308 to a wildcard host", http.StatusPermanentRedirect, otherName + "/crm/v3/objects/deals?after=MTIzNDU%3D", []string{"*.example.com", "localhost"}, nil, ""},
		{"no redirect hosts", http.StatusTemporaryRedirect, target.URL + "/crm/v3/objects/deals", nil, nil, "unexpected status 307"},
		{"host not allowed", http.StatusTemporaryRedirect, otherName + "/crm/v3/objects/deals", []string{"127.0.0.1"}, pipeline.ErrForbidden, "host other than the base url"},
		{"route not allowed", http.StatusTemporaryRedirect, target.URL + "/crm/v3/objects/contacts/merge", []string{"127.0.0.1"}, pipeline.ErrForbidden, "refused"},
		{"302 is an answer", http.StatusFound, target.URL + "/crm/v3/objects/deals", []string{"127.0.0.1"}, nil, "unexpected status 302"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", tc.location)
				w.WriteHeader(tc.status)
			}))
			t.Cleanup(src.Close)
			c, err := New(Options{Vendor: "test", BaseURL: src.URL, AllowList: testAllow, MaxRetries: 0, RedirectHosts: tc.hosts})
			if err != nil {
				t.Fatal(err)
			}
			var got bool
			err = c.Do(context.Background(), listDeals, decodeOK(&got))
			switch {
			case tc.wantText == "" && (err != nil || !got):
				t.Errorf("Do = %v (decoded %v), want the redirect followed", err, got)
			case tc.wantText != "" && (err == nil || !strings.Contains(err.Error(), tc.wantText)):
				t.Errorf("Do = %v, want an error with %q", err, tc.wantText)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("Do = %v, want %v", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "MTIzNDU") {
				t.Errorf("error %q quotes the query", err)
			}
		})
	}
}
