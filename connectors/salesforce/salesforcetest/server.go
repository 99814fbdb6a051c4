package salesforcetest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp/crmhttptest"
)

// Options shape a Server's behaviour. Zero values are the defaults noted.
type Options struct {
	// ClientID and ClientSecret of the connected app; required. The
	// token endpoint accepts them with grant_type client_credentials.
	ClientID, ClientSecret string
	// RefreshToken, when set, is accepted with grant_type refresh_token.
	RefreshToken string
	// JWTPublicKey, when set, enables the JWT-bearer grant: assertions
	// must be RS256-signed by its private key, with iss ClientID, sub one
	// of JWTUsers, aud the server's URL (or Audience) and an exp in the
	// future and at most three minutes ahead. ClientSecret may then be
	// empty.
	JWTPublicKey *rsa.PublicKey
	// JWTUsers are the usernames pre-authorized for the connected app.
	JWTUsers []string
	// Audience overrides the aud the JWT-bearer grant expects.
	Audience string
	// Now is the clock assertions are checked against (default time.Now).
	Now func() time.Time
	// DailyLimit is the org's daily API request limit reported in
	// Sforce-Limit-Info (default 15000). Requests past it get 403
	// REQUEST_LIMIT_EXCEEDED.
	DailyLimit int
	// Used is how many API requests other tools spent today before the
	// server started.
	Used int
	// MaxBatch caps the records per page below the requested batch size
	// (Salesforce does not guarantee the requested size); 0 means none.
	MaxBatch int
	// FailEvery makes every n-th REST request answer 503
	// SERVER_UNAVAILABLE or 500 UNKNOWN_EXCEPTION (0 = never).
	FailEvery int
	// OpenLocators is how many query locators stay open (default 100);
	// older ones answer 400 INVALID_QUERY_LOCATOR.
	OpenLocators int
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  string // the raw query string (for /query, q=SOQL)
	Form   string // the form body of a token request, secrets masked
}

// Server is a fake Salesforce org: the OAuth token endpoint and the REST
// query resources over a Dataset. Its URL is both the login URL and the instance URL
// of the fake org.
type Server struct {
	ds   *Dataset
	opts Options
	mux  *http.ServeMux

	crmhttptest.Listener
	crmhttptest.RequestLog[Request]

	mu       sync.Mutex
	sessions map[string]bool
	used     int
	locs     locators
	cycle    int // > 0: Cycle is on; counts the cycling answers
}

// cycleLocator is the locator id of the pages Cycle serves.
const cycleLocator = "01gCYCLE"

// Cycle makes every later query answer done false with a nextRecordsUrl
// that alternates between two locators (A → B → A …) and an empty
// records array, as a server stuck in a paging loop would; every such
// page is answered.
func (s *Server) Cycle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycle = 1
}

// NewServer starts a server over ds. It panics without a client id and
// secret.
func NewServer(ds *Dataset, opts Options) *Server {
	if opts.ClientID == "" || (opts.ClientSecret == "" && opts.JWTPublicKey == nil) {
		panic("salesforcetest: Options.ClientID and ClientSecret (or JWTPublicKey) are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.DailyLimit <= 0 {
		opts.DailyLimit = 15_000
	}
	if opts.OpenLocators <= 0 {
		opts.OpenLocators = 100
	}
	s := &Server{ds: ds, opts: opts, mux: http.NewServeMux(), sessions: map[string]bool{}, used: opts.Used}
	s.locs.cap = opts.OpenLocators
	s.mux.HandleFunc("POST /services/oauth2/token", s.token)
	for _, res := range []string{"query", "queryAll"} {
		all := res == "queryAll"
		s.mux.HandleFunc("GET /services/data/{version}/"+res, s.rest(func(w http.ResponseWriter, r *http.Request) { s.query(w, r, all) }))
		s.mux.HandleFunc("GET /services/data/{version}/"+res+"/{$}", s.rest(func(w http.ResponseWriter, r *http.Request) { s.query(w, r, all) }))
		s.mux.HandleFunc("GET /services/data/{version}/"+res+"/{locator}", s.rest(s.more))
	}
	s.mux.HandleFunc("/", s.rest(func(w http.ResponseWriter, r *http.Request) { writeREST(w, http.StatusNotFound, errNotFound) }))
	s.Start(http.HandlerFunc(s.serve))
	return s
}

// ExpireSessions invalidates every issued access token, as an org's
// session timeout does; the next REST call answers 401
// INVALID_SESSION_ID.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// Spend counts n requests of other tools against today's limit.
func (s *Server) Spend(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used += n
}

// Used returns the API requests counted against the daily limit so far.
func (s *Server) Used() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	if r.Method == http.MethodPost && r.ParseForm() == nil {
		form := r.PostForm
		masked := make(map[string][]string, len(form))
		for k, v := range form {
			if k == "grant_type" {
				masked[k] = v
			} else {
				masked[k] = []string{"***"}
			}
		}
		req.Form = encodeForm(masked)
	}
	s.Add(req)
	s.mux.ServeHTTP(w, r)
}

func encodeForm(m map[string][]string) string {
	var parts []string
	for k, v := range m {
		parts = append(parts, k+"="+strings.Join(v, ","))
	}
	return strings.Join(parts, "&")
}

// rest wraps a REST handler with the session check, fault injection, the
// daily limit and the Sforce-Limit-Info header.
func (s *Server) rest(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		authed := s.sessions[tok]
		fail, even := crmhttptest.FailEvery(s.RequestCount(), s.opts.FailEvery)
		limited := false
		if authed && !fail {
			limited = s.used >= s.opts.DailyLimit
			if !limited {
				s.used++
			}
		}
		usage := fmt.Sprintf("api-usage=%d/%d", s.used, s.opts.DailyLimit)
		s.mu.Unlock()
		switch {
		case !authed:
			writeREST(w, http.StatusUnauthorized, errSession())
			return
		case fail && even:
			writeREST(w, http.StatusServiceUnavailable, errBusy)
			return
		case fail:
			writeREST(w, http.StatusInternalServerError, errInternal)
			return
		}
		w.Header().Set("Sforce-Limit-Info", usage)
		if limited {
			writeREST(w, http.StatusForbidden, errLimit())
			return
		}
		h(w, r)
	}
}

// token is the OAuth 2.0 token endpoint: client credentials and refresh
// token grants, form-encoded; errors are {error, error_description}.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeOAuth(w, http.StatusBadRequest, "invalid_request", "invalid request")
		return
	}
	f := r.PostForm
	switch f.Get("grant_type") {
	case jwtGrant:
		if code, desc := s.verifyAssertion(f.Get("assertion")); code != "" {
			writeOAuth(w, http.StatusBadRequest, code, desc)
			return
		}
	case "client_credentials":
		if s.opts.ClientSecret == "" || f.Get("client_id") != s.opts.ClientID || f.Get("client_secret") != s.opts.ClientSecret {
			writeOAuth(w, http.StatusBadRequest, "invalid_client", "invalid client credentials")
			return
		}
	case "refresh_token":
		if f.Get("client_id") != s.opts.ClientID {
			writeOAuth(w, http.StatusBadRequest, "invalid_client_id", "client identifier invalid")
			return
		}
		if s.opts.RefreshToken == "" || f.Get("refresh_token") != s.opts.RefreshToken ||
			(f.Has("client_secret") && f.Get("client_secret") != s.opts.ClientSecret) {
			writeOAuth(w, http.StatusBadRequest, "invalid_grant", "expired access/refresh token")
			return
		}
	default:
		writeOAuth(w, http.StatusBadRequest, "unsupported_grant_type", "grant type not supported")
		return
	}
	var raw [24]byte
	rand.Read(raw[:])
	access := OrgID[:15] + "!" + base64.RawURLEncoding.EncodeToString(raw[:])
	sig := make([]byte, 32)
	rand.Read(sig)
	s.mu.Lock()
	s.sessions[access] = true
	s.mu.Unlock()
	var body map[string]any
	json.Unmarshal(Fixture("oauth-token.response"), &body)
	body["access_token"] = access
	body["instance_url"] = s.URL()
	body["id"] = "https://login.salesforce.com/id/" + OrgID + "/" + s.ds.ID(User, 0)
	body["issued_at"] = strconv.FormatInt(time.Now().UnixMilli(), 10)
	body["signature"] = base64.StdEncoding.EncodeToString(sig)
	body["token_type"] = "Bearer"
	body["scope"] = "api"
	b, _ := json.Marshal(body)
	writeJSON(w, http.StatusOK, b)
}

// batch reads the Sforce-Query-Options batch size (200 to 2000,
// default 2000), capped by MaxBatch.
func (s *Server) batch(r *http.Request) int {
	n := 2000
	for _, opt := range strings.Split(r.Header.Get("Sforce-Query-Options"), ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(opt), "batchSize="); ok {
			if b, err := strconv.Atoi(v); err == nil {
				n = min(max(b, 200), 2000)
			}
		}
	}
	if s.opts.MaxBatch > 0 {
		n = min(n, s.opts.MaxBatch)
	}
	return n
}

func (s *Server) query(w http.ResponseWriter, r *http.Request, all bool) {
	q, err := s.ds.parse(r.URL.Query().Get("q"))
	if err != nil {
		e := err.(*soqlError)
		writeREST(w, http.StatusBadRequest, restError{Message: e.msg, ErrorCode: e.code})
		return
	}
	s.ds.mu.RLock()
	x := s.ds.open(q, all)
	s.ds.mu.RUnlock()
	s.answer(w, r, x, "")
}

// more serves the next page of an open query. The locator of a queryAll
// says /query/ and is served there too.
func (s *Server) more(w http.ResponseWriter, r *http.Request) {
	if s.cycling(w, r) {
		return
	}
	id, off, ok := strings.Cut(r.PathValue("locator"), "-")
	n, err := strconv.Atoi(off)
	s.mu.Lock()
	x := s.locs.open[id]
	s.mu.Unlock()
	if !ok || err != nil || x == nil || n != x.served {
		writeREST(w, http.StatusBadRequest, errLocator)
		return
	}
	s.answer(w, r, x, id)
}

// cycling answers a page of the loop Cycle turned on, if it is.
func (s *Server) cycling(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	n := s.cycle
	if n > 0 {
		s.cycle++
	}
	s.mu.Unlock()
	if n == 0 {
		return false
	}
	body := fmt.Sprintf(`{"totalSize":%d,"done":false,"nextRecordsUrl":"/services/data/%s/query/%s-%d","records":[]}`,
		2000, r.PathValue("version"), cycleLocator, 2000*(1+n%2))
	writeJSON(w, http.StatusOK, []byte(body))
	return true
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, x *exec, id string) {
	if s.cycling(w, r) {
		return
	}
	version := r.PathValue("version")
	s.ds.mu.RLock()
	recs, more := x.page(s.ds, version, s.batch(r))
	s.ds.mu.RUnlock()
	var b strings.Builder
	fmt.Fprintf(&b, `{"totalSize":%d,"done":%t,`, x.total, !more)
	s.mu.Lock()
	if more {
		if id == "" {
			id = s.locs.add(x)
		}
		fmt.Fprintf(&b, `"nextRecordsUrl":"/services/data/%s/query/%s-%d",`, version, id, x.served)
	} else if id != "" {
		s.locs.remove(id)
	}
	s.mu.Unlock()
	b.WriteString(`"records":`)
	b.Write(recs)
	b.WriteByte('}')
	writeJSON(w, http.StatusOK, []byte(b.String()))
}
