package crmhttp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// checkRetry is the retryablehttp policy: never retry a refused request,
// a canceled context or an exhausted quota; retry malformed bodies,
// connection errors, 429 and 5xx (as retryablehttp's default does).
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var ref *RefusedError
	if errors.As(err, &ref) {
		return false, err
	}
	if errors.Is(err, errMalformed) {
		return true, nil
	}
	if err == nil && c.isQuota(resp) {
		return false, nil
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// backoff is the wait before retry attempt+1: the server's Retry-After,
// else the vendor's rate-limit headers, else jittered exponential backoff.
func (c *Client) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	wait, reason := time.Duration(-1), "connection error"
	if resp != nil {
		reason = "status " + strconv.Itoa(resp.StatusCode)
		if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			reason = "malformed response body"
		}
		if d, ok := RetryAfter(resp.Header, time.Now()); ok {
			wait = d
		} else if c.opts.RateLimitWait != nil {
			if d, ok := c.opts.RateLimitWait(resp.Header); ok {
				wait = d
			}
		}
	}
	if wait < 0 {
		wait = Backoff(lo, hi, attempt)
	}
	wait = min(wait, maxWait)
	if c.opts.Observer != nil {
		c.opts.Observer.Retry(wait, resp != nil && resp.StatusCode == http.StatusTooManyRequests)
	}
	c.log.Warn("retrying request", "count", attempt+1, "duration", wait, "error", reason)
	return wait
}

// Backoff returns the jittered exponential wait before retry attempt+1
// (attempt counts from 0): a random duration between half and all of
// lo·2^attempt, capped at hi.
func Backoff(lo, hi time.Duration, attempt int) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	if d > hi || d <= 0 {
		d = hi
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// RetryAfter parses a Retry-After header given in seconds or as an HTTP
// date (relative to now). A date in the past means no wait.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return min(time.Duration(s)*time.Second, maxWait), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// describe names the class of a transport error without its text, which
// holds the URL and query.
func describe(err error) string {
	var ne net.Error
	var op *net.OpError
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &op):
		return fmt.Sprintf("network %s error", op.Op)
	}
	return "connection error"
}
