package crmhttptest

import (
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestFailEvery(t *testing.T) {
	tests := []struct {
		n, every   int
		fail, even bool
	}{
		{1, 0, false, false},
		{3, 3, true, false},
		{4, 3, false, false},
		{6, 3, true, true},
		{9, 3, true, false},
		{5, -1, false, false},
	}
	for _, tt := range tests {
		fail, even := FailEvery(tt.n, tt.every)
		if fail != tt.fail || even != tt.even {
			t.Errorf("FailEvery(%d, %d) got (%v, %v), want (%v, %v)", tt.n, tt.every, fail, even, tt.fail, tt.even)
		}
	}
}

func TestWindow(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	w := Window{Interval: time.Second}
	steps := []struct {
		at    time.Duration
		limit int
		want  bool
		held  int
	}{
		{0, 2, true, 1},
		{100 * time.Millisecond, 2, true, 2},
		{200 * time.Millisecond, 2, false, 2},
		{time.Second, 2, true, 2}, // the first admission left the window
		{1050 * time.Millisecond, 0, true, 3},
	}
	for i, s := range steps {
		if got := w.Admit(t0.Add(s.at), s.limit); got != s.want || w.Len() != s.held {
			t.Fatalf("step %d: Admit got %v holding %d, want %v holding %d", i, got, w.Len(), s.want, s.held)
		}
	}
	if got, ok := w.Oldest(); !ok || !got.Equal(t0.Add(100*time.Millisecond)) {
		t.Errorf("Oldest got %v, %v, want %v, true", got, ok, t0.Add(100*time.Millisecond))
	}
	w.Prune(t0.Add(time.Hour))
	if _, ok := w.Oldest(); ok || w.Len() != 0 {
		t.Errorf("after Prune got %d held, want 0", w.Len())
	}
}

func TestRequestLog(t *testing.T) {
	var l RequestLog[string]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				l.Add("GET /x")
			}
		})
	}
	wg.Wait()
	if got := l.RequestCount(); got != 800 {
		t.Errorf("RequestCount got %d, want 800", got)
	}
	if got := len(l.Requests()); got != 800 {
		t.Errorf("len(Requests) got %d, want 800", got)
	}
	if n := l.Add("last"); n != 801 {
		t.Errorf("Add returned %d, want 801", n)
	}
}

func TestRequestLogCap(t *testing.T) {
	var l RequestLog[int]
	for i := range MaxLogged + 5 {
		l.Add(i)
	}
	got := l.Requests()
	if len(got) != MaxLogged || l.RequestCount() != MaxLogged+5 {
		t.Fatalf("got %d kept of %d counted, want %d of %d", len(got), l.RequestCount(), MaxLogged, MaxLogged+5)
	}
	if !slices.Equal(got[:3], []int{0, 1, 2}) {
		t.Errorf("first kept got %v, want [0 1 2]", got[:3])
	}
}

func TestListener(t *testing.T) {
	var l Listener
	l.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer l.Close()
	resp, err := http.Get(l.URL() + "/")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "ok" {
		t.Errorf("body got %q, want %q", body, "ok")
	}
}
