package pipedrivetest

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Options shape a Server's behaviour. Zero values are the defaults noted.
type Options struct {
	// Token is the API token the server accepts in the x-api-token header
	// or the api_token query parameter; required. Anything else gets 401
	// "unauthorized access".
	Token string
	// BurstLimit is the number of requests allowed per RateLimitWindow
	// (0 = unlimited, with headers reporting a limit of 80); more get 429
	// "Request over limit".
	BurstLimit int
	// RateLimitWindow is the rolling window of BurstLimit (default 2s, as
	// Pipedrive's).
	RateLimitWindow time.Duration
	// FailEvery makes every n-th request answer 502 or 503 (0 = never).
	FailEvery int
	// Now is the server's clock (default time.Now); status=deleted lists
	// deals deleted in the 30 days before it.
	Now func() time.Time
	// HideDeletedActivities leaves deleted activities out of
	// /api/v2/activities. By default they are listed with is_deleted
	// true for 30 days, which Pipedrive's v2 model allows but its docs do
	// not promise (see the package doc).
	HideDeletedActivities bool
	// DailyBudget is the company's daily token budget (0 = unlimited).
	// Every authorized request costs ListCost tokens; once the budget is
	// spent every request gets 429 with DailyBudgetMessage until
	// ResetBudget.
	DailyBudget int
	// ListCost is the token cost of one list request (default 20).
	ListCost int
}

// DailyBudgetMessage is the error of a 429 answer when the daily token
// budget is spent. Pipedrive's docs show the 429 body only truncated;
// this wording is modelled, not quoted (see the package doc).
const DailyBudgetMessage = "Daily token budget exceeded"

// Request is one request the server received. The token is never kept.
type Request struct {
	Method string
	Path   string
	Query  string
}

// Server is a fake Pipedrive API over a Dataset.
type Server struct {
	ds   *Dataset
	opts Options
	mux  *http.ServeMux

	crmhttptest.Listener
	crmhttptest.RequestLog[Request]

	mu     sync.Mutex
	window crmhttptest.Window
	spent  int // tokens of today's budget

	cycle         bool           // CycleCursors
	cycleFirst    map[string]int // by listing: the index of cursor A
	ignoreFilters bool           // IgnoreDeleteFilters
}

// NewServer starts a server over ds. It panics without opts.Token.
func NewServer(ds *Dataset, opts Options) *Server {
	if opts.Token == "" {
		panic("pipedrivetest: Options.Token is required")
	}
	if opts.RateLimitWindow <= 0 {
		opts.RateLimitWindow = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ListCost <= 0 {
		opts.ListCost = 20
	}
	s := &Server{ds: ds, opts: opts, mux: http.NewServeMux()}
	s.window.Interval = opts.RateLimitWindow
	s.mux.HandleFunc("GET /api/v2/deals", func(w http.ResponseWriter, r *http.Request) { s.deals(w, r, false) })
	s.mux.HandleFunc("GET /api/v2/deals/archived", func(w http.ResponseWriter, r *http.Request) { s.deals(w, r, true) })
	s.mux.HandleFunc("GET /v1/users", s.users)
	s.mux.HandleFunc("GET /api/v2/activities", s.activities)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Unknown method .")
	})
	s.Start(http.HandlerFunc(s.serve))
	return s
}

// SpendTokens counts n tokens of other integrations against today's
// budget.
func (s *Server) SpendTokens(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spent += n
}

// TokensSpent returns the tokens counted against today's budget.
func (s *Server) TokensSpent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spent
}

// ResetBudget starts a new day: the whole budget is available again.
func (s *Server) ResetBudget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spent = 0
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	q := r.URL.Query()
	authed := r.Header.Get("x-api-token") == s.opts.Token || q.Get("api_token") == s.opts.Token
	q.Del("api_token")

	n := s.Add(Request{Method: r.Method, Path: r.URL.Path, Query: q.Encode()})
	fail, even := crmhttptest.FailEvery(n, s.opts.FailEvery)
	s.mu.Lock()
	limited, broke := false, false
	if authed && !fail {
		broke = s.opts.DailyBudget > 0 && s.spent+s.opts.ListCost > s.opts.DailyBudget
		limited = !broke && s.limit(now)
		if !broke && !limited {
			s.spent += s.opts.ListCost
		}
	}
	s.rateHeaders(w.Header(), now)
	s.mu.Unlock()

	switch {
	case fail:
		status := http.StatusBadGateway
		if even {
			status = http.StatusServiceUnavailable
		}
		writeError(w, status, "Service is temporarily unavailable")
	case !authed:
		writeError(w, http.StatusUnauthorized, "unauthorized access")
	case broke:
		writeError(w, http.StatusTooManyRequests, DailyBudgetMessage)
	case limited:
		writeError(w, http.StatusTooManyRequests, "Request over limit")
	default:
		s.mux.ServeHTTP(w, r)
	}
}

// limit counts the request against the burst limit and reports whether
// it breaks it. The caller holds s.mu.
func (s *Server) limit(now time.Time) bool {
	return !s.window.Admit(now, s.opts.BurstLimit)
}

// rateHeaders sets Pipedrive's x-ratelimit-* headers: the burst limit,
// what is left of it, and the whole seconds until the window frees a
// slot. The caller holds s.mu.
func (s *Server) rateHeaders(h http.Header, now time.Time) {
	limit := s.opts.BurstLimit
	if limit <= 0 {
		limit = 80
	}
	remaining := max(limit-s.window.Len(), 0)
	reset := 1
	if oldest, ok := s.window.Oldest(); ok {
		left := s.opts.RateLimitWindow - now.Sub(oldest)
		reset = max(1, int((left+time.Second-1)/time.Second))
	}
	h.Set("x-ratelimit-limit", strconv.Itoa(limit))
	h.Set("x-ratelimit-remaining", strconv.Itoa(remaining))
	h.Set("x-ratelimit-reset", strconv.Itoa(reset))
}
