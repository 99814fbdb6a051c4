package crmhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

// Options configure a Client. Zero values get the defaults noted.
type Options struct {
	// Vendor names the CRM in messages, e.g. "hubspot".
	Vendor string
	// BaseURL is the scheme, host and optional path prefix of the API.
	BaseURL string
	// AllowList is every route the connector may use; required.
	AllowList AllowList
	// Token is sent as "Authorization: Bearer <token>" when set. It is
	// revealed only inside the transport, after the guard.
	Token config.Secret
	// AuthHint completes "<vendor> rejected the token (401): check …",
	// e.g. "the private-app token in HUBSPOT_TOKEN and its scopes".
	AuthHint string
	// MaxRetries is the number of retries after the first attempt; 0
	// (or negative) means none. Connectors pass their max_retries as is.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff
	// (defaults 500ms and 30s).
	RetryWaitMin, RetryWaitMax time.Duration
	// Timeout bounds each attempt, including reading the body
	// (default 30s).
	Timeout time.Duration
	// Transport is the base transport under the guard; nil means
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Logger receives retry notices; nil discards them.
	Logger *slog.Logger
	// RateLimitWait, when set, computes the wait before retrying from a
	// response's vendor rate-limit headers; ok false falls back to
	// Retry-After or the backoff.
	RateLimitWait func(h http.Header) (wait time.Duration, ok bool)
	// Quota, when set, reports whether a 429 answer means the request
	// budget is spent (not retried; the error wraps pipeline.ErrQuota).
	Quota func(h http.Header, body []byte) bool
	// RedirectHosts are the host names ("api.example.com", or
	// "*.example.com" for any subdomain; ports are not compared) that a
	// 307 or 308 answer may send the request on to, at most five times.
	// The Guard checks every hop: the base URL's scheme and path prefix,
	// and the allow-list; the Token goes along. Empty (the default)
	// follows no redirect: the 3xx is the answer.
	RedirectHosts []string
	// Observer, when set, is told about every attempt, retry wait and
	// guard refusal (for metrics).
	Observer Observer
}

// maxRedirects bounds the 307/308 hops of one request.
const maxRedirects = 5

// Client sends allow-listed requests with retries. It is safe for
// concurrent use.
type Client struct {
	opts   Options
	base   *url.URL
	retry  *retryablehttp.Client
	log    *slog.Logger
	vendor string
}

// Request is one API call. Path is relative to the base URL's path;
// Body, when non-nil, is sent as JSON.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   any
}

const (
	maxBody      = 64 << 20
	maxErrorBody = 64 << 10
	maxWait      = 10 * time.Minute
)

// New validates the options and builds a client. It does no I/O.
func New(o Options) (*Client, error) {
	base, err := url.Parse(o.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, errors.New("base url: must be an absolute http or https url")
	}
	if len(o.AllowList) == 0 {
		return nil, errors.New("allow list: must not be empty")
	}
	if o.Vendor == "" {
		o.Vendor = "the crm"
	}
	o.MaxRetries = max(o.MaxRetries, 0)
	if o.RetryWaitMin <= 0 {
		o.RetryWaitMin = 500 * time.Millisecond
	}
	if o.RetryWaitMax < o.RetryWaitMin {
		o.RetryWaitMax = max(30*time.Second, o.RetryWaitMin)
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	next := o.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if o.Token.Set() {
		next = &bearer{token: o.Token.Reveal(), next: next}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{opts: o, base: base, log: log.With("component", "crmhttp"), vendor: o.Vendor}
	c.retry = &retryablehttp.Client{
		HTTPClient: &http.Client{
			Transport:     observe(o.Observer, &Guard{Allow: o.AllowList, BaseURL: base, Hosts: o.RedirectHosts, Next: next}),
			Timeout:       o.Timeout,
			CheckRedirect: checkRedirect(len(o.RedirectHosts) > 0),
		},
		Logger:       nil, // it would log URLs with query strings
		RetryWaitMin: o.RetryWaitMin,
		RetryWaitMax: o.RetryWaitMax,
		RetryMax:     o.MaxRetries,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: func(resp *http.Response, err error, tries int) (*http.Response, error) {
			return resp, &gaveUp{err: err, tries: tries}
		},
	}
	return c, nil
}

// checkRedirect follows, when follow is set, the 307 and 308 answers
// (which keep the method and body) up to maxRedirects; the Guard
// refuses hops outside the allowed hosts and routes. Other redirects
// are answers.
func checkRedirect(follow bool) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !follow || req.Response == nil || len(via) > maxRedirects {
			return http.ErrUseLastResponse
		}
		switch req.Response.StatusCode {
		case http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			return nil
		}
		return http.ErrUseLastResponse
	}
}

// gaveUp carries the last error and attempt count out of retryablehttp.
type gaveUp struct {
	err   error
	tries int
}

func (g *gaveUp) Error() string { return "gave up" }
func (g *gaveUp) Unwrap() error { return g.err }

// errMalformed marks a 2xx body that decode rejected; it is retried.
var errMalformed = errors.New("malformed response body")

// Do sends r and, on a 2xx answer, passes the body to decode (which may
// be nil). A decode error is treated like a transient failure and
// retried; so are connection errors, 5xx and 429 answers. Do blocks until
// success, a permanent failure or ctx is done.
//
// Errors name the route pattern and status, never the URL, query, body
// or token: a refused request returns a *RefusedError (pipeline.ErrForbidden),
// otherwise see StatusError for the kinds.
func (c *Client) Do(ctx context.Context, r Request, decode func(body []byte) error) error {
	u := *c.base
	u.Path = strings.TrimSuffix(c.base.Path, "/") + r.Path
	u.RawPath = ""
	u.RawQuery = r.Query.Encode()
	endpoint := r.Method + " " + safePath(r.Path)
	if rt, ok := c.opts.AllowList.Match(r.Method, &url.URL{Path: r.Path}); ok {
		endpoint = rt.String()
	}
	var body any
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return fmt.Errorf("encoding %s request: %w", endpoint, err)
		}
		body = b
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return fmt.Errorf("building %s request", endpoint)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetResponseHandler(func(resp *http.Response) error {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return nil
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return err
		}
		if decode != nil && decode(b) != nil {
			return errMalformed
		}
		return nil
	})
	resp, err := c.retry.Do(req)
	return c.result(ctx, endpoint, resp, err)
}

func (c *Client) result(ctx context.Context, endpoint string, resp *http.Response, err error) error {
	tries := 1
	var g *gaveUp
	if errors.As(err, &g) {
		err, tries = g.err, g.tries
	}
	if resp != nil {
		defer resp.Body.Close()
	}
	var ref *RefusedError
	switch {
	case errors.As(err, &ref):
		return ref
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("%s: %w", endpoint, ctx.Err())
	case resp != nil && (resp.StatusCode < 200 || resp.StatusCode > 299):
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return c.StatusError(endpoint, resp.StatusCode, resp.Header, b, tries)
	case errors.Is(err, errMalformed):
		return fmt.Errorf("%s: %w after %d attempts", endpoint, errMalformed, tries)
	case err != nil:
		return fmt.Errorf("%s: %s after %d attempts: %w", endpoint, describe(err), tries, pipeline.ErrTransient)
	}
	return nil
}

// isQuota reads a 429 body (bounded), puts it back for later readers and
// asks the vendor hook.
func (c *Client) isQuota(resp *http.Response) bool {
	if c.opts.Quota == nil || resp.StatusCode != http.StatusTooManyRequests {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return c.opts.Quota(resp.Header, b)
}
