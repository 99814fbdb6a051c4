package crmhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

// scripted answers the n-th request (from 1) with answer(n).
func scripted(t *testing.T, answer func(n int64, w http.ResponseWriter)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		answer(n.Add(1), w)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func ok(w http.ResponseWriter) { w.Write([]byte(`{"ok":true}`)) }

var listDeals = Request{Method: "GET", Path: "/crm/v3/objects/deals", Query: url.Values{"after": {"MTIzNDU="}}}

func decodeOK(dst *bool) func([]byte) error {
	return func(b []byte) error {
		var v struct {
			OK *bool `json:"ok"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		if v.OK == nil {
			return errors.New("missing ok")
		}
		*dst = *v.OK
		return nil
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{now.Add(2 * time.Second).Format(time.RFC850), 2 * time.Second, true},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Retry-After", tc.value)
		}
		got, ok := RetryAfter(h, now)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("RetryAfter(%q) = %v, %v, want %v, %v", tc.value, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	for attempt := range 10 {
		d := Backoff(10*time.Millisecond, 100*time.Millisecond, attempt)
		ceil := min(10*time.Millisecond<<attempt, 100*time.Millisecond)
		if d < ceil/2 || d > ceil {
			t.Errorf("Backoff(10ms, 100ms, %d) = %v, want in [%v, %v]", attempt, d, ceil/2, ceil)
		}
	}
}

func TestHonoursRetryAfterHeader(t *testing.T) {
	srv, n := scripted(t, func(n int64, w http.ResponseWriter) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		ok(w)
	})
	c := newTestClient(t, srv.URL, nil)
	start := time.Now()
	var got bool
	if err := c.Do(context.Background(), listDeals, decodeOK(&got)); err != nil || !got {
		t.Fatalf("Do = %v, %v, want nil, true", err, got)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("retried after %v, want the 1s of Retry-After", el)
	}
	if n.Load() != 2 {
		t.Errorf("server saw %d requests, want 2", n.Load())
	}
}

func TestRateLimitHook(t *testing.T) {
	const interval = 150 * time.Millisecond
	srv, n := scripted(t, func(n int64, w http.ResponseWriter) {
		w.Header().Set("X-Test-Remaining", strconv.Itoa(int(2-n)))
		if n <= 2 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		ok(w)
	})
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.RateLimitWait = func(h http.Header) (time.Duration, bool) {
			return interval, h.Get("X-Test-Remaining") == "0"
		}
	})
	start := time.Now()
	var got bool
	if err := c.Do(context.Background(), listDeals, decodeOK(&got)); err != nil {
		t.Fatalf("Do = %v, want nil", err)
	}
	if el := time.Since(start); el < interval {
		t.Errorf("retried after %v, want at least the %v interval of the rate-limit headers", el, interval)
	}
	if n.Load() != 3 {
		t.Errorf("server saw %d requests, want 3", n.Load())
	}
}

func TestStatusKinds(t *testing.T) {
	daily := `{"status":"error","errorType":"RATE_LIMIT","policyName":"DAILY","message":"jane@example.org"}`
	tests := []struct {
		name      string
		status    int
		body      string
		want      error
		wantTries int64
	}{
		{"unauthorized", 401, `{"category":"INVALID_AUTHENTICATION","message":"token ` + testToken + `"}`, pipeline.ErrConfig, 1},
		{"forbidden scopes", 403, `{"category":"MISSING_SCOPES"}`, pipeline.ErrConfig, 1},
		{"daily quota", 429, daily, pipeline.ErrQuota, 1},
		{"secondly storm", 429, `{"policyName":"TEN_SECONDLY_ROLLING"}`, pipeline.ErrTransient, 4},
		{"server storm", 500, `oops jane@example.org`, pipeline.ErrTransient, 4},
		{"bad gateway storm", 502, ``, pipeline.ErrTransient, 4},
		{"bad request", 400, `{"category":"VALIDATION_ERROR","message":"jane@example.org is bad"}`, nil, 1},
		{"not found", 404, ``, nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := scripted(t, func(_ int64, w http.ResponseWriter) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			c := newTestClient(t, srv.URL, func(o *Options) {
				o.AuthHint = "the token in TEST_TOKEN"
				o.Quota = func(_ http.Header, b []byte) bool { return bytes.Contains(b, []byte(`"DAILY"`)) }
			})
			err := c.Do(context.Background(), listDeals, nil)
			if err == nil {
				t.Fatal("Do = nil, want an error")
			}
			for _, kind := range []error{pipeline.ErrConfig, pipeline.ErrQuota, pipeline.ErrTransient, pipeline.ErrForbidden} {
				if errors.Is(err, kind) != (kind == tc.want) {
					t.Errorf("Do = %v; errors.Is(%v) = %v", err, kind, !(kind == tc.want))
				}
			}
			if got := n.Load(); got != tc.wantTries {
				t.Errorf("server saw %d requests, want %d", got, tc.wantTries)
			}
			msg := err.Error()
			for _, leak := range []string{testToken, "jane", "MTIzNDU", "after="} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q contains %q", msg, leak)
				}
			}
			if !strings.Contains(msg, strconv.Itoa(tc.status)) {
				t.Errorf("error %q does not name status %d", msg, tc.status)
			}
			if tc.want == pipeline.ErrConfig && !strings.Contains(msg, "TEST_TOKEN") {
				t.Errorf("error %q does not name the token's variable", msg)
			}
		})
	}
}

func TestMalformedBodyRetried(t *testing.T) {
	srv, n := scripted(t, func(n int64, w http.ResponseWriter) {
		if n <= 2 {
			w.Write([]byte(`{"ok": tru`))
			return
		}
		ok(w)
	})
	c := newTestClient(t, srv.URL, nil)
	var got bool
	if err := c.Do(context.Background(), listDeals, decodeOK(&got)); err != nil || !got {
		t.Fatalf("Do = %v, %v, want nil, true", err, got)
	}
	if n.Load() != 3 {
		t.Errorf("server saw %d requests, want 3", n.Load())
	}

	bad, _ := scripted(t, func(_ int64, w http.ResponseWriter) { w.Write([]byte(`{"name":"jane@example.org"`)) })
	c = newTestClient(t, bad.URL, nil)
	err := c.Do(context.Background(), listDeals, decodeOK(&got))
	if err == nil || !strings.Contains(err.Error(), "malformed") || strings.Contains(err.Error(), "jane") {
		t.Errorf("Do on a malformed body = %v, want a malformed-body error without the body", err)
	}
}

func TestContextCanceled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	err := c.Do(ctx, listDeals, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Do = %v, want context.Canceled", err)
	}
}

func TestTimeoutRetriedThenTransient(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := newTestClient(t, srv.URL, func(o *Options) { o.Timeout = 20 * time.Millisecond; o.MaxRetries = 1 })
	err := c.Do(context.Background(), listDeals, nil)
	if !errors.Is(err, pipeline.ErrTransient) || strings.Contains(err.Error(), "MTIzNDU") {
		t.Fatalf("Do = %v, want a transient timeout naming no query", err)
	}
}

func TestLogsHoldNoURLs(t *testing.T) {
	var buf bytes.Buffer
	srv, _ := scripted(t, func(n int64, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		ok(w)
	})
	c := newTestClient(t, srv.URL, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if err := c.Do(context.Background(), listDeals, nil); err != nil {
		t.Fatalf("Do = %v", err)
	}
	out := buf.String()
	if !strings.Contains(out, "retrying request") {
		t.Errorf("log %q has no retry notice", out)
	}
	for _, leak := range []string{"MTIzNDU", "/crm/", testToken, "127.0.0.1"} {
		if strings.Contains(out, leak) {
			t.Errorf("log %q contains %q", out, leak)
		}
	}
}
