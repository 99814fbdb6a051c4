package crmhttp

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/tally-dev/tally/pipeline"
)

// Route is one request a connector may send: an HTTP method, compared
// case-sensitively, and a path pattern such as
// "/crm/v3/objects/{object}/search" in which each {param} segment matches
// exactly one non-empty path segment.
type Route struct {
	Method string
	Path   string
}

// String returns "METHOD /pattern"; it holds no values and is safe to log.
func (r Route) String() string { return r.Method + " " + r.Path }

func (r Route) match(method string, segs []string) bool {
	if method != r.Method {
		return false
	}
	pat := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	if len(pat) != len(segs) {
		return false
	}
	for i, p := range pat {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if p != segs[i] {
			return false
		}
	}
	return true
}

// AllowList is the set of routes a connector may use. Anything else is
// refused.
type AllowList []Route

// Match returns the route that allows method and path. A path that is not
// in canonical form (empty, relative, with "." or ".." segments, empty
// segments, backslashes, or escaped slashes) never matches, so a path
// cannot walk out of an allowed prefix.
func (l AllowList) Match(method string, u *url.URL) (Route, bool) {
	if !canonicalPath(u) {
		return Route{}, false
	}
	segs := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	for _, r := range l {
		if r.match(method, segs) {
			return r, true
		}
	}
	return Route{}, false
}

func canonicalPath(u *url.URL) bool {
	p := u.Path
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "//") || strings.ContainsRune(p, '\\') {
		return false
	}
	esc := strings.ToLower(u.EscapedPath())
	if strings.Contains(esc, "%2f") || strings.Contains(esc, "%5c") {
		return false
	}
	for _, s := range strings.Split(p[1:], "/") {
		if s == "." || s == ".." {
			return false
		}
	}
	return true
}

// RefusedError is returned, wrapping pipeline.ErrForbidden, for a request
// the Guard kept from leaving the process. Path has every segment that may
// carry a value (an id, an email) replaced by "{…}".
type RefusedError struct {
	Method string
	Path   string
	// OtherHost is set when the request was addressed to a host other than
	// the connector's base URL.
	OtherHost bool
}

func (e *RefusedError) Error() string {
	if e.OtherHost {
		return fmt.Sprintf("refused %s %s to a host other than the base url: %v", e.Method, e.Path, pipeline.ErrForbidden)
	}
	return fmt.Sprintf("refused %s %s: %v", e.Method, e.Path, pipeline.ErrForbidden)
}

// Unwrap returns pipeline.ErrForbidden.
func (e *RefusedError) Unwrap() error { return pipeline.ErrForbidden }

var (
	safeSegment = regexp.MustCompile(`^[A-Za-z][A-Za-z_-]{0,39}[0-9]?$`)
	safeMethod  = regexp.MustCompile(`^[A-Za-z]{1,10}$`)
)

// safePath keeps the literal segments of a path (objects, versions) and
// hides the rest.
func safePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s != "" && s != "." && s != ".." && !safeSegment.MatchString(s) {
			segs[i] = "{…}"
		}
	}
	return strings.Join(segs, "/")
}

func refused(method string, u *url.URL, otherHost bool) *RefusedError {
	if !safeMethod.MatchString(method) {
		method = "{method}"
	}
	return &RefusedError{Method: method, Path: safePath(u.Path), OtherHost: otherHost}
}

// Guard is an http.RoundTripper that lets through only requests on Allow,
// addressed to the scheme and host of BaseURL (or a host name of Hosts)
// when it is set, and refuses every other one with a *RefusedError
// before calling Next. Its RoundTrip is safe for concurrent use.
type Guard struct {
	Allow   AllowList
	BaseURL *url.URL
	// Hosts are further host names requests may go to (redirects, see
	// Options.RedirectHosts): exact names or "*.domain" for subdomains.
	Hosts []string
	// Next sends allowed requests; nil means http.DefaultTransport.
	Next http.RoundTripper
}

// hostAllowed reports whether u's host is the base URL's or its host
// name matches one of the patterns.
func hostAllowed(u, base *url.URL, patterns []string) bool {
	return strings.EqualFold(u.Host, base.Host) || MatchHost(u.Hostname(), patterns)
}

// MatchHost reports whether a host name (no port) is one of patterns:
// an exact name, or "*.domain" for any subdomain of domain (not domain
// itself). Case is ignored.
func MatchHost(name string, patterns []string) bool {
	name = strings.ToLower(name)
	for _, p := range patterns {
		p = strings.ToLower(p)
		if suffix, ok := strings.CutPrefix(p, "*"); ok && strings.HasPrefix(suffix, ".") && len(name) > len(suffix) && strings.HasSuffix(name, suffix) {
			return true
		}
		if name == p {
			return true
		}
	}
	return false
}

// RoundTrip implements http.RoundTripper.
func (g *Guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.check(req); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	next := g.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(req)
}

func (g *Guard) check(req *http.Request) error {
	u := req.URL
	if g.BaseURL != nil && (!strings.EqualFold(u.Scheme, g.BaseURL.Scheme) || !hostAllowed(u, g.BaseURL, g.Hosts)) {
		return refused(req.Method, u, true)
	}
	if g.BaseURL != nil {
		prefix := strings.TrimSuffix(g.BaseURL.Path, "/")
		if !strings.HasPrefix(u.Path, prefix+"/") {
			return refused(req.Method, u, false)
		}
		rel := *u
		rel.Path, rel.RawPath = u.Path[len(prefix):], ""
		if u.RawPath != "" {
			rel.RawPath = strings.TrimPrefix(u.RawPath, prefix)
		}
		u = &rel
	}
	if _, ok := g.Allow.Match(req.Method, u); !ok {
		return refused(req.Method, u, false)
	}
	return nil
}

// bearer adds the token to requests that passed the guard; it is the only
// place the token is revealed.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}
