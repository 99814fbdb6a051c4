package hubspottest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Options shape a Server's behaviour. Zero values are the defaults noted.
type Options struct {
	// Token is the private-app token the server accepts as
	// "Authorization: Bearer <token>"; required. Anything else gets 401
	// with category INVALID_AUTHENTICATION.
	Token string
	// SearchCap is how far search results can be paged (default 10000);
	// asking for results past it gets 400 VALIDATION_ERROR.
	SearchCap int
	// SecondlyLimit is the number of requests allowed per
	// RateLimitInterval (0 = unlimited); more get 429 TEN_SECONDLY_ROLLING.
	SecondlyLimit int
	// RateLimitInterval is the rolling window of SecondlyLimit (default
	// 10s, as HubSpot's).
	RateLimitInterval time.Duration
	// DailyLimit is the number of requests allowed per UTC day of Now
	// (0 = unlimited); more get 429 DAILY.
	DailyLimit int
	// FailEvery makes every n-th request answer 502 or 503 (0 = never).
	FailEvery int
	// Now is the server's clock for daily limits (default time.Now).
	Now func() time.Time
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  string
	Body   []byte
}

// Server is a fake HubSpot CRM v3 API over a Dataset, speaking the
// vendor's wire format: list, search and owners endpoints, paging,
// property selection, error bodies and rate-limit answers.
type Server struct {
	ds   *Dataset
	opts Options
	mux  *http.ServeMux

	crmhttptest.Listener
	crmhttptest.RequestLog[Request]

	mu     sync.Mutex
	window crmhttptest.Window
	day    string
	daily  int

	cycle          bool           // CycleCursors
	cycleFirst     map[string]int // by listing: the offset of cursor A
	ignoreArchived bool           // IgnoreArchivedFlag
}

// NewServer starts a server over ds. It panics without opts.Token.
func NewServer(ds *Dataset, opts Options) *Server {
	if opts.Token == "" {
		panic("hubspottest: Options.Token is required")
	}
	if opts.SearchCap <= 0 {
		opts.SearchCap = 10_000
	}
	if opts.RateLimitInterval <= 0 {
		opts.RateLimitInterval = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{ds: ds, opts: opts, mux: http.NewServeMux()}
	s.window.Interval = opts.RateLimitInterval
	s.mux.HandleFunc("GET /crm/v3/objects/{object}", s.list)
	s.mux.HandleFunc("POST /crm/v3/objects/{object}/search", s.search)
	s.mux.HandleFunc("GET /crm/v3/owners", s.owners)
	s.mux.HandleFunc("GET /crm/v3/properties/{object}", s.properties)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
	})
	s.Start(http.HandlerFunc(s.serve))
	return s
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	now := time.Now()

	n := s.Add(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: body})
	fail, even := crmhttptest.FailEvery(n, s.opts.FailEvery)
	s.mu.Lock()
	authed := r.Header.Get("Authorization") == "Bearer "+s.opts.Token
	var limited string
	if authed && !fail {
		limited = s.limit(now)
	}
	s.rateHeaders(w.Header(), now)
	s.mu.Unlock()

	switch {
	case fail:
		status := http.StatusBadGateway
		if even {
			status = http.StatusServiceUnavailable
		}
		writeError(w, status, "INTERNAL_ERROR", "The upstream server is unavailable; try again.")
	case !authed:
		writeError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION", msgUnauthenticated)
	case limited != "":
		writeJSON(w, http.StatusTooManyRequests, rateLimitBody(limited))
	default:
		s.mux.ServeHTTP(w, r)
	}
}

// limit counts the request against the daily and rolling limits and
// names the policy it breaks, if any. The caller holds s.mu.
func (s *Server) limit(now time.Time) string {
	if day := s.opts.Now().UTC().Format(time.DateOnly); day != s.day {
		s.day, s.daily = day, 0
	}
	if s.opts.DailyLimit > 0 && s.daily >= s.opts.DailyLimit {
		return "DAILY"
	}
	if !s.window.Admit(now, s.opts.SecondlyLimit) {
		return "TEN_SECONDLY_ROLLING"
	}
	s.daily++
	return ""
}

// rateHeaders sets HubSpot's rate-limit headers; with no limit set it
// reports a generous one. The caller holds s.mu.
func (s *Server) rateHeaders(h http.Header, now time.Time) {
	s.window.Prune(now)
	limit := s.opts.SecondlyLimit
	if limit <= 0 {
		limit = 190
	}
	remaining := max(limit-s.window.Len(), 0)
	if s.opts.SecondlyLimit <= 0 {
		remaining = max(remaining, 1)
	}
	itoa := strconv.Itoa
	h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", itoa(int(s.opts.RateLimitInterval/time.Millisecond)))
	h.Set("X-HubSpot-RateLimit-Max", itoa(limit))
	h.Set("X-HubSpot-RateLimit-Remaining", itoa(remaining))
	h.Set("X-HubSpot-RateLimit-Secondly", itoa(limit))
	h.Set("X-HubSpot-RateLimit-Secondly-Remaining", itoa(remaining))
	if s.opts.DailyLimit > 0 {
		h.Set("X-HubSpot-RateLimit-Daily", itoa(s.opts.DailyLimit))
		h.Set("X-HubSpot-RateLimit-Daily-Remaining", itoa(max(s.opts.DailyLimit-s.daily, 0)))
	}
}
