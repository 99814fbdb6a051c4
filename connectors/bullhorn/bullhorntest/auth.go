package bullhorntest

import (
	"net/http"
	"strconv"
	"time"
)

// loginInfo tells which data center serves a user: the bases of its
// OAuth server and REST login, to which Bullhorn's SDK appends /token and
// /login (bullhorn/sdk-rest RestApiSession reads oauthUrl and restUrl).
// Bullhorn publishes no sample answer; the other fields are those a
// third-party client types, trimmed to the ones that name no person.
// The wrong data center answers 307 to the same request at the right one.
func (s *Server) loginInfo(w http.ResponseWriter, r *http.Request) {
	if s.opts.DataCenter != "" {
		http.Redirect(w, r, s.opts.DataCenter+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		return
	}
	if r.URL.Query().Get("username") == "" {
		writeError(w, http.StatusBadRequest, "errors.missingParameter", "Missing required parameter: username")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"atsUrl":         s.URL() + "/BullhornSTAFFING",
		"oauthUrl":       s.URL() + "/oauth",
		"restUrl":        s.URL() + "/rest-services",
		"dataCenterId":   2,
		"superClusterId": 2,
	})
}

// token is the OAuth token endpoint; it serves the refresh_token grant
// (parameters in the query string, as Bullhorn documents, or the form).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	get := r.Form.Get
	if get("client_id") != s.opts.ClientID || get("client_secret") != s.opts.ClientSecret {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client id or client secret.")
		return
	}
	if get("grant_type") != "refresh_token" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type.")
		return
	}
	s.mu.Lock()
	if get("refresh_token") != s.refresh {
		s.mu.Unlock()
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "Invalid, expired, or revoked refresh token.")
		return
	}
	access := randomToken()
	s.refresh = randomToken()
	s.access[access] = time.Now().Add(s.opts.AccessTokenTTL)
	s.grants++
	refresh := s.refresh
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  access,
		"token_type":    "Bearer",
		"expires_in":    int(s.opts.AccessTokenTTL / time.Second),
		"refresh_token": refresh,
	})
}

// login exchanges an access token for a BhRestToken and the
// corporation's restUrl, in the shape of login.response.json.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("version") == "" {
		writeError(w, http.StatusBadRequest, "errors.missingParameter", "Missing required parameter: version")
		return
	}
	ttl := 10 * time.Minute
	if m, err := strconv.Atoi(q.Get("ttl")); err == nil && m > 0 {
		ttl = time.Duration(m) * time.Minute
	}
	if s.opts.SessionTTL > 0 {
		ttl = min(ttl, s.opts.SessionTTL)
	}
	now := time.Now()
	s.mu.Lock()
	exp, ok := s.access[q.Get("access_token")]
	if !ok || !now.Before(exp) {
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, "errors.authentication.invalidOAuthToken", "Invalid or expired OAuth access token.")
		return
	}
	tok := randomToken()
	s.sessions[tok] = now.Add(ttl)
	s.logins++
	s.mu.Unlock()
	body := Fixture("login.response")
	body["BhRestToken"] = tok
	body["restUrl"] = s.URL() + "/rest-services/" + s.opts.CorpToken + "/"
	writeJSON(w, http.StatusOK, body)
}
