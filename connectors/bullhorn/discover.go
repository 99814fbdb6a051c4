package bullhorn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// dataCenterHosts are the host names of Bullhorn's data centers: where
// loginInfo may redirect and what it may name.
var dataCenterHosts = []string{"*.bullhornstaffing.com"}

// loginInfoAnswer is what tally reads of loginInfo's answer: the bases
// of the OAuth server and of the REST login, to which Bullhorn's SDK
// appends /token and /login.
type loginInfoAnswer struct {
	OAuthURL string `json:"oauthUrl"`
	RestURL  string `json:"restUrl"`
}

// discover asks loginInfo which data center serves Username, following
// its 307 when the discovery host is not that data center, and fills
// the AuthURL and LoginURL the configuration left empty. The answer's
// URLs must use the discovery URL's scheme and a host of the discovery
// URL or of Bullhorn's data centers, so that a tampered answer cannot
// send the client secret elsewhere. The username is never logged.
func (s *Source) discover(ctx context.Context) error {
	disc, err := url.Parse(s.cfg.DiscoveryURL)
	if err != nil {
		return fmt.Errorf("bullhorn: discovery_url: %w", pipeline.ErrConfig)
	}
	hosts := append([]string{disc.Hostname()}, dataCenterHosts...)
	c, err := s.newClient(s.cfg.DiscoveryURL, s.transport(), hosts...)
	if err != nil {
		return fmt.Errorf("bullhorn: discovery_url: %w: %w", err, pipeline.ErrConfig)
	}
	var a loginInfoAnswer
	err = c.Do(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/rest-services/loginInfo",
		Query: url.Values{"username": {s.cfg.Username}}},
		strictJSON(&a, func() bool { return a.OAuthURL != "" && a.RestURL != "" }))
	if err != nil {
		return fmt.Errorf("bullhorn: asking loginInfo for the data center of the configured username (or set auth_url and login_url): %w", err)
	}
	auth, err := dataCenterBase(a.OAuthURL, "/oauth", disc.Scheme, hosts)
	if err != nil {
		return fmt.Errorf("bullhorn: loginInfo answered an unusable oauthUrl (%w): %w", err, pipeline.ErrConfig)
	}
	login, err := dataCenterBase(a.RestURL, "/rest-services", disc.Scheme, hosts)
	if err != nil {
		return fmt.Errorf("bullhorn: loginInfo answered an unusable restUrl (%w): %w", err, pipeline.ErrConfig)
	}
	s.cfg.AuthURL = cmp.Or(s.cfg.AuthURL, auth)
	s.cfg.LoginURL = cmp.Or(s.cfg.LoginURL, login)
	s.log.Info("bullhorn data center discovered", "auth_url", s.cfg.AuthURL, "login_url", s.cfg.LoginURL)
	return nil
}

// dataCenterBase turns a loginInfo URL ending in suffix into the base
// URL tally's routes start from.
func dataCenterBase(raw, suffix, scheme string, hosts []string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.RawQuery != "":
		return "", errors.New("not an absolute url")
	case u.Scheme != scheme:
		return "", fmt.Errorf("scheme is not %s", scheme)
	case !crmhttp.MatchHost(u.Hostname(), hosts):
		return "", errors.New("host is not a Bullhorn data center")
	}
	p := strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(p, suffix) {
		return "", fmt.Errorf("path does not end in %s", suffix)
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(p, suffix), nil
}
