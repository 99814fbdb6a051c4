package crmhttp

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

// recorder is an Observer that keeps what it was told.
type recorder struct {
	mu       sync.Mutex
	statuses []int
	waits    []time.Duration
	limited  []bool
	refused  int
}

func (r *recorder) Attempt(status int) {
	r.mu.Lock()
	r.statuses = append(r.statuses, status)
	r.mu.Unlock()
}
func (r *recorder) Retry(wait time.Duration, rateLimited bool) {
	r.mu.Lock()
	r.waits, r.limited = append(r.waits, wait), append(r.limited, rateLimited)
	r.mu.Unlock()
}
func (r *recorder) Refused() { r.mu.Lock(); r.refused++; r.mu.Unlock() }

func TestObserver(t *testing.T) {
	srv, _ := scripted(t, func(n int64, w http.ResponseWriter) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusBadGateway)
		default:
			ok(w)
		}
	})
	rec := &recorder{}
	c := newTestClient(t, srv.URL, func(o *Options) { o.Observer = rec })
	if err := c.Do(context.Background(), listDeals, nil); err != nil {
		t.Fatalf("Do = %v", err)
	}
	err := c.Do(context.Background(), Request{Method: "DELETE", Path: "/crm/v3/objects/deals/123"}, nil)
	if !errors.Is(err, pipeline.ErrForbidden) {
		t.Fatalf("DELETE: err = %v, want ErrForbidden", err)
	}
	if want := []int{429, 502, 200}; !slices.Equal(rec.statuses, want) {
		t.Errorf("attempts = %v, want %v", rec.statuses, want)
	}
	if want := []bool{true, false}; !slices.Equal(rec.limited, want) {
		t.Errorf("retries rate-limited = %v, want %v", rec.limited, want)
	}
	if rec.refused != 1 {
		t.Errorf("refused = %d, want 1", rec.refused)
	}
}

func TestObserverConnectionError(t *testing.T) {
	rec := &recorder{}
	c := newTestClient(t, "http://127.0.0.1:1", func(o *Options) { o.Observer = rec; o.MaxRetries = 1 })
	if err := c.Do(context.Background(), listDeals, nil); !errors.Is(err, pipeline.ErrTransient) {
		t.Fatalf("Do = %v, want ErrTransient", err)
	}
	if want := []int{0, 0}; !slices.Equal(rec.statuses, want) {
		t.Errorf("attempts = %v, want %v (0: no answer)", rec.statuses, want)
	}
}
