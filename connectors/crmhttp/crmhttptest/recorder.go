package crmhttptest

import (
	"net/http"
	"net/http/httptest"
	"sync"
)

// MaxLogged bounds a RequestLog; its count goes on past it.
const MaxLogged = 100_000

// RequestLog records what a fake server received: how many requests, and
// the first MaxLogged of them in arrival order, each as the fake's own
// request type R (which must not hold secrets). A fake embeds it, which
// gives the fake its Requests and RequestCount methods. It is safe for
// concurrent use; the zero value is ready.
type RequestLog[R any] struct {
	mu    sync.Mutex
	count int
	log   []R
}

// Add counts a request and keeps it while the log holds fewer than
// MaxLogged. It returns the request's arrival number, from 1, which fault
// injection keys on (see FailEvery).
func (l *RequestLog[R]) Add(r R) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count++
	if len(l.log) < MaxLogged {
		l.log = append(l.log, r)
	}
	return l.count
}

// Requests returns every request received so far (the first MaxLogged),
// in arrival order.
func (l *RequestLog[R]) Requests() []R {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]R(nil), l.log...)
}

// RequestCount returns how many requests reached the server.
func (l *RequestLog[R]) RequestCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count
}

// Listener is the httptest.Server under a fake. A fake embeds it, calls
// Start once from its constructor, and so has URL and Close.
type Listener struct{ srv *httptest.Server }

// Start starts serving h on a local port.
func (l *Listener) Start(h http.Handler) { l.srv = httptest.NewServer(h) }

// URL is the base URL to configure a connector with.
func (l *Listener) URL() string { return l.srv.URL }

// Close shuts the server down.
func (l *Listener) Close() { l.srv.Close() }
