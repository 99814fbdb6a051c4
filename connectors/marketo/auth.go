package marketo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// refreshBefore renews a token this long before Identity says it expires.
const refreshBefore = 60 * time.Second

// auth holds the Identity access token. It is safe for concurrent use;
// renewals are serialized.
type auth struct {
	s        *Source
	identity *crmhttp.Client

	mu  sync.Mutex
	exp time.Time
	tok atomic.Pointer[string] // read by the transport
}

// ensure makes sure a token is held that is not about to expire; with
// force it asks Identity again (after 601 or 602). Identity answers the
// same token while it is valid, so a forced call may return it again.
func (a *auth) ensure(ctx context.Context, force bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.s.now()
	if !force && a.tok.Load() != nil && now.Before(a.exp.Add(-refreshBefore)) {
		return nil
	}
	cfg := a.s.cfg
	q := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {cfg.ClientID},
		"client_secret": {cfg.ClientSecret.Reveal()},
	}
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	err := a.identity.Do(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/oauth/token", Query: q}, func(b []byte) error {
		if err := json.Unmarshal(b, &ans); err != nil {
			return err
		}
		if ans.AccessToken == "" {
			return errors.New("no access_token")
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, pipeline.ErrConfig) {
			return fmt.Errorf("marketo: identity rejected the client credentials (check client_id and the secret in %s): %w",
				envName(cfg.ClientSecret.Env()), err)
		}
		return fmt.Errorf("marketo: getting an access token: %w", err)
	}
	tok := ans.AccessToken
	a.tok.Store(&tok)
	a.exp = now.Add(time.Duration(ans.ExpiresIn) * time.Second)
	a.s.log.Info("marketo access token obtained", "duration", time.Duration(ans.ExpiresIn)*time.Second)
	return nil
}

func envName(env string) string {
	if env == "" {
		return "the configuration"
	}
	return env
}

// byteRange is a Range request's bounds and, after the call, what the
// server answered; it travels in the request's context.
type byteRange struct {
	from, to     int64
	status       int
	contentRange string
}

type rangeKey struct{}

// withRange returns ctx asking the transport for bytes from..to.
func withRange(ctx context.Context, r *byteRange) context.Context {
	return context.WithValue(ctx, rangeKey{}, r)
}

// transport adds the bearer token (and a Range header for downloads) to
// requests that passed the read-only guard; it is the only place the
// token is revealed.
type transport struct {
	tok  *atomic.Pointer[string]
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if p := t.tok.Load(); p != nil {
		r.Header.Set("Authorization", "Bearer "+*p)
	}
	rg, _ := req.Context().Value(rangeKey{}).(*byteRange)
	if rg != nil {
		r.Header.Set("Range", "bytes="+strconv.FormatInt(rg.from, 10)+"-"+strconv.FormatInt(rg.to, 10))
	}
	resp, err := t.next.RoundTrip(r)
	if rg != nil && resp != nil {
		rg.status, rg.contentRange = resp.StatusCode, resp.Header.Get("Content-Range")
	}
	return resp, err
}
