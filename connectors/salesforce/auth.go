package salesforce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// TokenAllowList is every request the connector may send to the login
// URL: the token endpoint, a POST that reads (it issues a session).
var TokenAllowList = crmhttp.AllowList{{Method: http.MethodPost, Path: "/services/oauth2/token"}}

// session holds the access token and refreshes it; it is the only place
// the client secret, refresh token and access token are revealed.
type session struct {
	cfg    Config
	client *http.Client // guarded: only the token endpoint of LoginURL
	login  string

	mu       sync.Mutex
	token    string
	instance string
	gen      int
}

func newSession(cfg Config, base http.RoundTripper) (*session, error) {
	u, err := url.Parse(cfg.LoginURL)
	if err != nil {
		return nil, errors.New("login_url: must be an absolute http or https url")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &session{
		cfg:   cfg,
		login: u.String() + "/services/oauth2/token",
		client: &http.Client{
			Transport: &crmhttp.Guard{Allow: TokenAllowList, BaseURL: u, Next: base},
			Timeout:   cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
	}, nil
}

// current returns the access token and its generation.
func (s *session) current() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token, s.gen
}

// instanceURL returns the base of REST calls.
func (s *session) instanceURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.instance
}

// refresh fetches a new token unless one newer than gen exists.
func (s *session) refresh(ctx context.Context, gen int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen {
		return nil
	}
	tok, inst, err := s.fetch(ctx)
	if err != nil {
		return err
	}
	s.token, s.instance, s.gen = tok, inst, s.gen+1
	return nil
}

var oauthCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// fetch runs the token request, retrying connection errors and 5xx
// answers. Errors name the OAuth error code, never the description or
// a credential.
func (s *session) fetch(ctx context.Context) (token, instance string, err error) {
	form, err := s.form()
	if err != nil {
		return "", "", err
	}
	for attempt := 0; ; attempt++ {
		status, body, err := s.post(ctx, form)
		var ref *crmhttp.RefusedError
		switch {
		case errors.As(err, &ref):
			return "", "", ref
		case ctx.Err() != nil:
			return "", "", fmt.Errorf("salesforce token request: %w", ctx.Err())
		case err == nil && status == http.StatusOK:
			return s.decode(body)
		case err == nil && status < 500 && status != http.StatusTooManyRequests:
			return "", "", s.refused(status, body)
		case attempt >= s.cfg.MaxRetries:
			return "", "", fmt.Errorf("salesforce token request: status %d after %d attempts: %w", status, attempt+1, pipeline.ErrTransient)
		}
		select {
		case <-ctx.Done():
			return "", "", fmt.Errorf("salesforce token request: %w", ctx.Err())
		case <-time.After(crmhttp.Backoff(s.cfg.RetryWaitMin, s.cfg.RetryWaitMax, attempt)):
		}
	}
}

// form builds the token request of the configured flow. A JWT-bearer
// request carries a freshly minted assertion: Salesforce answers it
// with a session and no refresh token, so every refresh mints anew.
func (s *session) form() (url.Values, error) {
	if s.cfg.jwtFlow() {
		a, err := s.assertion()
		if err != nil {
			return nil, err
		}
		return url.Values{"grant_type": {JWTGrantType}, "assertion": {a}}, nil
	}
	form := url.Values{"client_id": {s.cfg.ClientID}, "client_secret": {s.cfg.ClientSecret.Reveal()}}
	form.Set("grant_type", "client_credentials")
	if s.cfg.RefreshToken.Set() {
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", s.cfg.RefreshToken.Reveal())
	}
	return form, nil
}

func (s *session) post(ctx context.Context, form url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.login, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, errors.New("building the token request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		var ref *crmhttp.RefusedError
		if errors.As(err, &ref) {
			return 0, nil, ref
		}
		return 0, nil, errors.New("connection error")
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

func (s *session) decode(body []byte) (string, string, error) {
	var t struct {
		AccessToken string `json:"access_token"`
		InstanceURL string `json:"instance_url"`
	}
	if json.Unmarshal(body, &t) != nil || t.AccessToken == "" {
		return "", "", fmt.Errorf("salesforce token endpoint: answer without access_token: %w", pipeline.ErrTransient)
	}
	inst := s.cfg.InstanceURL
	if inst == "" {
		inst = t.InstanceURL
	}
	if absURL("instance_url", inst, true) != nil {
		return "", "", fmt.Errorf("salesforce token endpoint: answer without a usable instance_url: %w", pipeline.ErrConfig)
	}
	return t.AccessToken, strings.TrimSuffix(inst, "/"), nil
}

// refused maps a token endpoint error object to ErrConfig.
func (s *session) refused(status int, body []byte) error {
	var e struct {
		Error string `json:"error"`
	}
	code := "unknown error"
	if json.Unmarshal(body, &e) == nil && oauthCode.MatchString(e.Error) {
		code = e.Error
	}
	if s.cfg.jwtFlow() {
		return fmt.Errorf("salesforce token endpoint refused the JWT assertion (%d %s): check %s: %w", status, code, s.jwtHint(), pipeline.ErrConfig)
	}
	what := "client_id and the client_secret"
	if env := s.cfg.ClientSecret.Env(); env != "" {
		what = "client_id and the client_secret in " + env
	}
	if s.cfg.RefreshToken.Set() {
		what += ", and the refresh_token"
		if env := s.cfg.RefreshToken.Env(); env != "" {
			what += " in " + env
		}
	}
	return fmt.Errorf("salesforce token endpoint refused the credentials (%d %s): check %s: %w", status, code, what, pipeline.ErrConfig)
}

// transport sends REST requests that passed the guard with the session
// token and the batch size, records the API usage header and the REST
// error code, and on 401 refreshes the token once and replays the
// request (every allowed REST request is a GET without a body).
type transport struct {
	s      *session
	next   http.RoundTripper
	batch  string
	limits *limits
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, gen := t.s.current()
	resp, err := t.send(req, tok)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || req.Method != http.MethodGet {
		return resp, err
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if rerr := t.s.refresh(req.Context(), gen); rerr != nil {
		if p := probeOf(req.Context()); p != nil {
			p.refresh = rerr
		}
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return resp, nil
	}
	tok, _ = t.s.current()
	return t.send(req, tok)
}

func (t *transport) send(req *http.Request, tok string) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	r.Header.Set("Sforce-Query-Options", t.batch)
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	t.limits.observe(resp.Header)
	if resp.StatusCode >= 400 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		if p := probeOf(req.Context()); p != nil {
			p.code = errorCode(b)
		}
	}
	return resp, nil
}

// probe carries what the transport learned about one call's failure
// back to the caller of crmhttp.Client.Do.
type probe struct {
	code    string // errorCode of the last REST error answer
	refresh error  // why a token refresh failed
}

type probeKey struct{}

func withProbe(ctx context.Context) (context.Context, *probe) {
	p := &probe{}
	return context.WithValue(ctx, probeKey{}, p), p
}

func probeOf(ctx context.Context) *probe {
	p, _ := ctx.Value(probeKey{}).(*probe)
	return p
}

var restCode = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)

// errorCode returns the errorCode of a REST error array, if it is
// enum-like (it is safe to log; messages may echo input and are not).
func errorCode(body []byte) string {
	var es []struct {
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal(body, &es) != nil || len(es) == 0 || !restCode.MatchString(es[0].ErrorCode) {
		return ""
	}
	return es[0].ErrorCode
}

// jwtHint names what to check when an assertion is refused: the
// settings, never their values.
func (s *session) jwtHint() string {
	key := "jwt_private_key_file"
	if s.cfg.JWTPrivateKeyFile == "" {
		key = "jwt_private_key"
		if env := s.cfg.JWTPrivateKey.Env(); env != "" {
			key += " in " + env
		}
	}
	return "client_id (the issuer), jwt_subject (a user pre-authorized for the connected app), login_url (the audience) and that " + key + " matches the certificate uploaded to the connected app"
}
