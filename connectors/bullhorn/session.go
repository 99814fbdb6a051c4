package bullhorn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// session holds Bullhorn's two tokens: the OAuth access token (and the
// rotating refresh token behind it) and the REST session (BhRestToken and
// restUrl). It is safe for concurrent use; renewals are serialized.
type session struct {
	s *Source

	mu         sync.Mutex
	refresh    string
	access     string
	accessExp  time.Time
	rest       *crmhttp.Client
	restHost   string
	corpPath   string // "/rest-services/{corpToken}"
	sessionExp time.Time

	token atomic.Pointer[string] // BhRestToken, read by the transport
}

// restToken adds the BhRestToken header to requests that passed the
// read-only guard; it is the only place the token is revealed.
type restToken struct {
	tok  *atomic.Pointer[string]
	next http.RoundTripper
}

func (t *restToken) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if p := t.tok.Load(); p != nil {
		r.Header.Set("BhRestToken", *p)
	}
	return t.next.RoundTrip(r)
}

// tokenAnswer is the OAuth token endpoint's answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// loginAnswer is the REST login's answer (login.response.json).
type loginAnswer struct {
	BhRestToken string `json:"BhRestToken"`
	RestURL     string `json:"restUrl"`
}

func strictJSON(dst any, ok func() bool) func([]byte) error {
	return func(b []byte) error {
		if err := json.Unmarshal(b, dst); err != nil {
			return err
		}
		if !ok() {
			return errors.New("missing fields")
		}
		return nil
	}
}

// client returns the REST client and the corporation's path prefix,
// renewing the session when it is missing or about to expire.
func (ss *session) client(ctx context.Context, force bool) (*crmhttp.Client, string, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.s.now()
	if !force && ss.rest != nil && now.Before(ss.sessionExp.Add(-ss.s.cfg.RefreshBefore)) {
		return ss.rest, ss.corpPath, nil
	}
	if force || ss.access == "" || !now.Before(ss.accessExp.Add(-ss.s.cfg.RefreshBefore)) {
		if err := ss.grant(ctx); err != nil {
			return nil, "", err
		}
	}
	if err := ss.login(ctx); err != nil {
		return nil, "", err
	}
	return ss.rest, ss.corpPath, nil
}

// grant runs the refresh_token grant and keeps the rotated refresh
// token. The caller holds ss.mu.
func (ss *session) grant(ctx context.Context) error {
	cfg := ss.s.cfg
	q := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {ss.refresh},
		"client_id":     {cfg.ClientID},
		"client_secret": {cfg.ClientSecret.Reveal()},
	}
	var a tokenAnswer
	err := ss.s.oauth.Do(ctx, crmhttp.Request{Method: http.MethodPost, Path: "/oauth/token", Query: q},
		strictJSON(&a, func() bool { return a.AccessToken != "" }))
	if err != nil {
		if errors.Is(err, pipeline.ErrTransient) || errors.Is(err, pipeline.ErrForbidden) || ctx.Err() != nil {
			return fmt.Errorf("bullhorn: refreshing the access token: %w", err)
		}
		return fmt.Errorf("bullhorn: refreshing the access token (check client_id, the secret in %s and the refresh token in %s; Bullhorn refresh tokens are single-use): %w: %w",
			envName(cfg.ClientSecret.Env()), envName(cfg.RefreshToken.Env()), err, pipeline.ErrConfig)
	}
	now := ss.s.now()
	ss.access = a.AccessToken
	ss.accessExp = now.Add(time.Duration(max(a.ExpiresIn, 60)) * time.Second)
	if a.RefreshToken != "" && a.RefreshToken != ss.refresh {
		ss.refresh = a.RefreshToken
		// The old token is spent: without the new one on disk a
		// restarted process could not log in again.
		if err := storeRefreshToken(ss.s.env.StateDir, a.RefreshToken); err != nil {
			ss.s.log.Error("the rotated refresh token could not be stored; a restart will need a new one", "error", err)
		}
	}
	ss.s.log.Info("bullhorn access token refreshed", "duration", time.Duration(a.ExpiresIn)*time.Second)
	return nil
}

// login exchanges the access token for a REST session. The caller holds
// ss.mu.
func (ss *session) login(ctx context.Context) error {
	cfg := ss.s.cfg
	q := url.Values{
		"version":      {"2.0"},
		"access_token": {ss.access},
		"ttl":          {strconv.Itoa(int(cfg.SessionTTL / time.Minute))},
	}
	var a loginAnswer
	err := ss.s.loginc.Do(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest-services/login", Query: q},
		strictJSON(&a, func() bool { return a.BhRestToken != "" && a.RestURL != "" }))
	if err != nil {
		ss.access = "" // a rejected access token is not tried again
		return fmt.Errorf("bullhorn: logging in to the rest api (check login_url is the data center's rest host): %w", err)
	}
	u, err := url.Parse(a.RestURL)
	login, _ := url.Parse(cfg.LoginURL)
	if err != nil || u.Host == "" || u.Scheme != login.Scheme || !strings.HasPrefix(u.Path, "/rest-services/") {
		return fmt.Errorf("bullhorn: login answered an unusable restUrl: %w", pipeline.ErrConfig)
	}
	host := u.Scheme + "://" + u.Host
	if ss.rest == nil || host != ss.restHost {
		c, err := ss.s.newClient(host, &restToken{tok: &ss.token, next: ss.s.transport()})
		if err != nil {
			return fmt.Errorf("bullhorn: rest client: %w: %w", err, pipeline.ErrConfig)
		}
		ss.rest, ss.restHost = c, host
	}
	ss.corpPath = strings.TrimSuffix(u.Path, "/")
	tok := a.BhRestToken
	ss.token.Store(&tok)
	ss.sessionExp = ss.s.now().Add(cfg.SessionTTL)
	ss.s.log.Info("bullhorn rest session opened", "duration", cfg.SessionTTL)
	return nil
}

// get sends one REST read, renewing the session first when due and once
// more when Bullhorn answers 401 (an expired or revoked BhRestToken).
func (ss *session) get(ctx context.Context, path string, q url.Values, decode func([]byte) error) error {
	for attempt := 0; ; attempt++ {
		c, prefix, err := ss.client(ctx, attempt > 0)
		if err != nil {
			return err
		}
		err = c.Do(ctx, crmhttp.Request{Method: http.MethodGet, Path: prefix + path, Query: q}, decode)
		if attempt == 0 && errors.Is(err, pipeline.ErrConfig) {
			ss.s.log.Info("bullhorn rest session rejected, logging in again")
			continue
		}
		return err
	}
}

func envName(env string) string {
	if env == "" {
		return "the configuration"
	}
	return env
}
