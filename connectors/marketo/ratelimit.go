package marketo

import (
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// newLimiter returns a token bucket that lets at most limit calls
// through in any window: a burst of a tenth of limit, refilled at the
// rest per window, since a bucket passes at most burst + rate × window
// in any window. limit must be at least 2.
func newLimiter(limit int, window time.Duration) *rate.Limiter {
	burst := max(limit/10, 1)
	return rate.NewLimiter(rate.Limit(float64(limit-burst)/window.Seconds()), burst)
}

// limited waits for the limiter before every request it sends, retries
// included, so the connector stays under the instance's rate limit
// instead of finding it with 606 answers. Requests the read-only guard
// refuses never reach it.
type limited struct {
	lim  *rate.Limiter
	next http.RoundTripper
	sent atomic.Int64 // requests that passed the limiter
}

func (l *limited) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := l.lim.Wait(req.Context()); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	l.sent.Add(1)
	return l.next.RoundTrip(req)
}
