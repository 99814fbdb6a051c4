package bullhorntest

import (
	"net/http"
	"sync"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Options shape a Server's behaviour. Zero values are the defaults noted.
type Options struct {
	// ClientID and ClientSecret are the OAuth client's credentials;
	// required.
	ClientID, ClientSecret string
	// RefreshToken is the first valid refresh token; required. Like
	// Bullhorn's, refresh tokens are single-use: each grant returns a new
	// one and retires the old.
	RefreshToken string
	// CorpToken names the corporation in restUrl (default "tly9x").
	CorpToken string
	// AccessTokenTTL is how long an access token can be used to log in
	// (default 10m, as expires_in 600).
	AccessTokenTTL time.Duration
	// SessionTTL caps a BhRestToken's life (default: the login's ttl
	// parameter in minutes, else 10m).
	SessionTTL time.Duration
	// RateLimit is the number of REST requests allowed per
	// RateLimitInterval (0 = unlimited); more get 429.
	RateLimit int
	// RateLimitInterval is the window of RateLimit (default 1s).
	RateLimitInterval time.Duration
	// FailEvery makes every n-th request answer 500 or 503 (0 = never).
	FailEvery int
	// DataCenter, when set, makes this server a data center that does not
	// serve the user: loginInfo answers 307 to the same request at
	// DataCenter (the base URL of the right one, e.g. another Server).
	DataCenter string
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  string
}

// Server is a fake Bullhorn (OAuth server, REST login and REST API on
// one host) over a Dataset. Its URL is the base URL of the OAuth server and of
// the REST login; the restUrl a login returns is on the same host.
type Server struct {
	ds   *Dataset
	opts Options
	mux  *http.ServeMux

	crmhttptest.Listener
	crmhttptest.RequestLog[Request]

	mu       sync.Mutex
	window   crmhttptest.Window
	refresh  string
	access   map[string]time.Time // access token → expiry
	sessions map[string]time.Time // BhRestToken → expiry
	logins   int
	grants   int
	cycle    int // > 0: Cycle is on; counts the cycling answers
}

// Cycle makes every later query ignore its where clause and answer, in
// turn, the first and the second page of the whole entity (A → B → A
// …), as a server that does not honour the keyset would.
func (s *Server) Cycle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycle = 1
}

// cycling returns the start of the page Cycle serves next, if it is on.
func (s *Server) cycling(count int) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cycle == 0 {
		return 0, false
	}
	s.cycle++
	return (s.cycle % 2) * count, true
}

// NewServer starts a server over ds. It panics without credentials.
func NewServer(ds *Dataset, opts Options) *Server {
	if opts.ClientID == "" || opts.ClientSecret == "" || opts.RefreshToken == "" {
		panic("bullhorntest: Options.ClientID, ClientSecret and RefreshToken are required")
	}
	if opts.CorpToken == "" {
		opts.CorpToken = "tly9x"
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = 10 * time.Minute
	}
	if opts.RateLimitInterval <= 0 {
		opts.RateLimitInterval = time.Second
	}
	s := &Server{ds: ds, opts: opts, mux: http.NewServeMux(), refresh: opts.RefreshToken,
		access: map[string]time.Time{}, sessions: map[string]time.Time{}}
	s.mux.HandleFunc("GET /rest-services/loginInfo", s.loginInfo)
	s.mux.HandleFunc("POST /oauth/token", s.token)
	s.mux.HandleFunc("GET /rest-services/login", s.login)
	s.mux.HandleFunc("GET /rest-services/{corp}/query/{entity}", s.rest(s.query))
	s.mux.HandleFunc("GET /rest-services/{corp}/ping", s.rest(s.ping))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "errors.notFound", "resource not found")
	})
	s.window.Interval = opts.RateLimitInterval
	s.Start(http.HandlerFunc(s.serve))
	return s
}

// RefreshToken returns the currently valid refresh token.
func (s *Server) RefreshToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refresh
}

// Logins returns how many REST logins and refresh grants succeeded.
func (s *Server) Logins() (logins, grants int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins, s.grants
}

// ExpireSessions ends every BhRestToken, as an idle timeout would.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	n := s.Add(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
	if fail, even := crmhttptest.FailEvery(n, s.opts.FailEvery); fail {
		status := http.StatusInternalServerError
		if even {
			status = http.StatusServiceUnavailable
		}
		writeError(w, status, "errors.internal", "An unexpected error has occurred.")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// rest wraps a REST handler with the corporation, session and rate-limit
// checks, in Bullhorn's order: 404, 412, 401, 429.
func (s *Server) rest(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("corp") != s.opts.CorpToken {
			writeError(w, http.StatusNotFound, "errors.notFound", "unknown corporation")
			return
		}
		tok := r.Header.Get("BhRestToken")
		if tok == "" {
			tok = r.URL.Query().Get("BhRestToken")
		}
		if tok == "" {
			writeError(w, http.StatusPreconditionFailed, "errors.missingBhRestToken", "Bad 'BhRestToken' or timed-out.")
			return
		}
		now := time.Now()
		s.mu.Lock()
		exp, ok := s.sessions[tok]
		limited := false
		if ok && now.Before(exp) && s.opts.RateLimit > 0 {
			limited = !s.window.Admit(now, s.opts.RateLimit)
		}
		s.mu.Unlock()
		switch {
		case !ok || !now.Before(exp):
			writeError(w, http.StatusUnauthorized, "errors.authentication.invalidRestToken", "Bad 'BhRestToken' or timed-out.")
		case limited:
			writeError(w, http.StatusTooManyRequests, "errors.rateLimited", msgRateLimited)
		default:
			h(w, r)
		}
	}
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get("BhRestToken")
	if tok == "" {
		tok = r.URL.Query().Get("BhRestToken")
	}
	s.mu.Lock()
	exp := s.sessions[tok]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"sessionExpires": exp.UnixMilli()})
}
