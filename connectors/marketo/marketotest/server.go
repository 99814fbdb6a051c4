package marketotest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Options shape a Server's behaviour. Zero values are the defaults noted.
type Options struct {
	// ClientID and ClientSecret are the API user's credentials; required.
	ClientID, ClientSecret string
	// TokenTTL is an access token's lifetime (default 3600s, as Marketo).
	TokenTTL time.Duration
	// StatusInterval is the least time between two changes of an export
	// job's status (default 60s, as Marketo); tests and the demo shorten it.
	StatusInterval time.Duration
	// RateLimit is the number of API calls allowed per RateLimitInterval
	// (0 = unlimited; Marketo allows 100 per 20 s); more get error 606.
	RateLimit int
	// RateLimitInterval is the window of RateLimit (default 20s).
	RateLimitInterval time.Duration
	// DailyQuota is the number of API calls allowed until ResetQuota
	// (0 = unlimited); more get error 607.
	DailyQuota int
	// MaxConcurrent is the number of calls served at once (0 =
	// unlimited; Marketo allows 10); more get error 615.
	MaxConcurrent int
	// QueueLimit is how many export jobs may be queued or processing
	// (default 10); enqueueing more gets error 1029.
	QueueLimit int
	// ExportQuota is how many bytes of export files may be produced
	// until ResetQuota (0 = unlimited; Marketo allows 500 MB a day);
	// enqueueing beyond it gets error 1029 "Export daily quota exceeded".
	ExportQuota int64
	// UpdatedAtUnsupported makes export jobs with an updatedAt filter
	// fail with error 1035, as on subscriptions without that filter.
	UpdatedAtUnsupported bool
	// FailEvery makes every n-th API call fail (0 = never), alternating
	// an HTTP 502 and an HTTP 200 with error 608.
	FailEvery int
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  string
	// Range is the Range header; Body the first 4 KiB of the body.
	Range string
	Body  string
}

// Server is a fake Marketo (Identity service, REST and bulk API on one
// host) over a Dataset. Its URL is the base URL of the REST and bulk API;
// the Identity service is at URL()+"/identity".
type Server struct {
	ds   *Dataset
	opts Options
	mux  *http.ServeMux

	crmhttptest.Listener
	crmhttptest.RequestLog[Request]

	mu       sync.Mutex
	window   crmhttptest.Window
	calls    int
	inflight int
	tokens   map[string]time.Time // access token → expiry
	grants   int
	jobs     map[string]*job
	exported int64
	cycle    int             // > 0: Cycle is on; counts the cycling pages
	hidden   map[string]bool // lead fields Describe Lead leaves out
}

// Cycle makes every later activities and deleted-leads page answer
// moreResult true with a nextPageToken that alternates between two
// tokens (A → B → A …), as a server stuck in a paging loop would.
func (s *Server) Cycle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycle = 1
}

// NewServer starts a server over ds. It panics without credentials.
func NewServer(ds *Dataset, opts Options) *Server {
	if opts.ClientID == "" || opts.ClientSecret == "" {
		panic("marketotest: Options.ClientID and ClientSecret are required")
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 3600 * time.Second
	}
	if opts.StatusInterval <= 0 {
		opts.StatusInterval = 60 * time.Second
	}
	if opts.RateLimitInterval <= 0 {
		opts.RateLimitInterval = 20 * time.Second
	}
	if opts.QueueLimit <= 0 {
		opts.QueueLimit = 10
	}
	s := &Server{ds: ds, opts: opts, mux: http.NewServeMux(), tokens: map[string]time.Time{}, jobs: map[string]*job{}}
	s.mux.HandleFunc("GET /identity/oauth/token", s.token)
	s.mux.HandleFunc("POST /identity/oauth/token", s.token)
	s.mux.HandleFunc("POST /bulk/v1/leads/export/create.json", s.api(s.createJob))
	s.mux.HandleFunc("POST /bulk/v1/leads/export/{id}/enqueue.json", s.api(s.enqueueJob))
	s.mux.HandleFunc("GET /bulk/v1/leads/export/{id}/status.json", s.api(s.jobStatus))
	s.mux.HandleFunc("POST /bulk/v1/leads/export/{id}/cancel.json", s.api(s.cancelJob))
	s.mux.HandleFunc("GET /bulk/v1/leads/export/{id}/file.json", s.api(s.jobFile))
	s.mux.HandleFunc("GET /rest/v1/activities/pagingtoken.json", s.api(s.pagingToken))
	s.mux.HandleFunc("GET /rest/v1/activities.json", s.api(s.activities))
	s.mux.HandleFunc("GET /rest/v1/activities/deletedleads.json", s.api(s.deletedLeads))
	s.mux.HandleFunc("GET /rest/v1/activities/types.json", s.api(s.activityTypes))
	s.mux.HandleFunc("GET /rest/v1/leads.json", s.api(s.leadsByID))
	s.mux.HandleFunc("GET /rest/v1/leads/describe.json", s.api(s.describeLeads))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	s.window.Interval = opts.RateLimitInterval
	s.Start(http.HandlerFunc(s.serve))
	return s
}

// Grants returns how many access tokens the Identity service issued
// (a call before expiry returns the same token and does not count).
func (s *Server) Grants() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants
}

// ExpireTokens expires every access token; the next API call with one
// gets error 602.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = time.Time{}
	}
}

// ResetQuota starts a new day: the call and export quotas are full again.
func (s *Server) ResetQuota() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.exported = 0, 0
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	s.Add(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Range: r.Header.Get("Range"), Body: string(body[:min(len(body), 4096)])})
	s.mux.ServeHTTP(w, r)
}

// api wraps a REST or bulk handler with Marketo's checks, in order:
// injected failure, access token (600, 601, 602), daily quota (607),
// rate limit (606), concurrency (615). All but the injected 502 are HTTP
// 200 with success:false.
func (s *Server) api(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok == "" {
			tok = r.URL.Query().Get("access_token")
		}
		now := time.Now()
		s.mu.Lock()
		s.calls++
		n := s.calls
		fail, even := crmhttptest.FailEvery(n, s.opts.FailEvery)
		exp, known := s.tokens[tok]
		code, msg := "", ""
		switch {
		case fail && even:
			s.mu.Unlock()
			http.Error(w, "502 Bad Gateway", http.StatusBadGateway)
			return
		case fail:
			code, msg = "608", "API Temporarily Unavailable"
		case tok == "":
			code, msg = "600", "Access token not specified"
		case !known:
			code, msg = "601", "Access token invalid"
		case !now.Before(exp):
			code, msg = "602", "Access token expired"
		case s.opts.DailyQuota > 0 && n > s.opts.DailyQuota:
			code, msg = "607", "Daily quota reached"
		case s.rateLimited(now):
			code, msg = "606", "Max rate limit '100' exceeded with in '20' secs"
		case s.opts.MaxConcurrent > 0 && s.inflight >= s.opts.MaxConcurrent:
			code, msg = "615", "Concurrent access limit reached"
		}
		if code == "" {
			s.inflight++
		}
		s.mu.Unlock()
		if code != "" {
			writeError(w, code, msg)
			return
		}
		defer func() {
			s.mu.Lock()
			s.inflight--
			s.mu.Unlock()
		}()
		h(w, r)
	}
}

// rateLimited counts a call in the sliding window; the caller holds s.mu.
func (s *Server) rateLimited(now time.Time) bool {
	if s.opts.RateLimit <= 0 {
		return false
	}
	return !s.window.Admit(now, s.opts.RateLimit)
}
