package salesforce

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// limits tracks the org's daily API usage from the Sforce-Limit-Info
// header ("api-usage=18/5000", possibly followed by
// ", per-app-api-usage=17/250(appName=x)"). It is safe for concurrent
// use.
type limits struct {
	mu          sync.Mutex
	used, limit int64
	requests    int64 // requests this process answered with a header
}

// ParseLimitInfo returns the org's used and maximum daily API requests
// from a Sforce-Limit-Info value.
func ParseLimitInfo(v string) (used, limit int64, ok bool) {
	for _, part := range strings.Split(v, ",") {
		rest, found := strings.CutPrefix(strings.TrimSpace(part), "api-usage=")
		if !found {
			continue
		}
		u, l, found := strings.Cut(rest, "/")
		if !found {
			return 0, 0, false
		}
		used, err1 := strconv.ParseInt(strings.TrimSpace(u), 10, 64)
		limit, err2 := strconv.ParseInt(strings.TrimSpace(l), 10, 64)
		if err1 != nil || err2 != nil || used < 0 || limit <= 0 {
			return 0, 0, false
		}
		return used, limit, true
	}
	return 0, 0, false
}

func (l *limits) observe(h http.Header) {
	used, limit, ok := ParseLimitInfo(h.Get("Sforce-Limit-Info"))
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests++
	// Answers of concurrent requests arrive out of order; usage only grows
	// within a day, and a smaller number after a larger one is a new day
	// only when the limit also changed or usage fell far.
	if used >= l.used || limit != l.limit || used < l.used/2 {
		l.used, l.limit = used, limit
	}
}

// allows reports whether one more request stays within share of the
// daily limit. Before the first answer the usage is unknown and the
// request is allowed.
func (l *limits) allows(share float64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit == 0 {
		return true
	}
	return float64(l.used+1) <= share*float64(l.limit)
}

func (l *limits) snapshot() (used, limit int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.used, l.limit
}
