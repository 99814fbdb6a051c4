package pipedrive

import (
	"net/http"
	"strconv"
	"time"
)

// RateLimitWait reads Pipedrive's rate-limit headers: when the burst
// budget is spent (x-ratelimit-remaining 0), wait the x-ratelimit-reset
// seconds it names (one second when absent or unreadable).
func RateLimitWait(h http.Header) (time.Duration, bool) {
	if h.Get("x-ratelimit-remaining") != "0" {
		return 0, false
	}
	s, err := strconv.Atoi(h.Get("x-ratelimit-reset"))
	if err != nil || s <= 0 {
		return time.Second, true
	}
	return time.Duration(s) * time.Second, true
}

// apiToken adds the API token header to requests that passed the
// read-only guard; it is the only place the token is revealed.
type apiToken struct {
	token string
	next  http.RoundTripper
}

func (a *apiToken) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("x-api-token", a.token)
	return a.next.RoundTrip(r)
}
