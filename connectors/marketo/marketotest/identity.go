package marketotest

import (
	"net/http"
	"time"
)

// token is the Identity service: client_credentials in the query (GET or
// POST), the same token with its remaining lifetime until it expires,
// HTTP 401 for bad credentials (identity-token.response.json).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": "Bad grant type"})
		return
	}
	if q.Get("client_id") != s.opts.ClientID || q.Get("client_secret") != s.opts.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "unauthorized", "error_description": "Bad client credentials"})
		return
	}
	now := time.Now()
	s.mu.Lock()
	tok, exp := "", time.Time{}
	for t, e := range s.tokens {
		if now.Before(e) {
			tok, exp = t, e
		}
	}
	if tok == "" {
		tok, exp = uuid()+":int", now.Add(s.opts.TokenTTL)
		s.tokens[tok] = exp
		s.grants++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "bearer",
		"expires_in": max(int(exp.Sub(now)/time.Second), 0), "scope": "apis@tally.example",
	})
}
