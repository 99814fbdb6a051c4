package bullhorn

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// AllowList is every request the connector may send, as full paths on
// the OAuth host, the login host and the corporation's REST host; all
// are reads (the token POST exchanges credentials and changes no data).
var AllowList = crmhttp.AllowList{
	{Method: http.MethodGet, Path: "/rest-services/loginInfo"},
	{Method: http.MethodPost, Path: "/oauth/token"},
	{Method: http.MethodGet, Path: "/rest-services/login"},
	{Method: http.MethodGet, Path: "/rest-services/{corpToken}/query/Placement"},
	{Method: http.MethodGet, Path: "/rest-services/{corpToken}/query/CorporateUser"},
}

// Source pulls one Bullhorn corporation for one tenant. Sync may run
// concurrently for different objects; they share one REST session.
type Source struct {
	cfg     Config
	env     pipeline.SourceEnv
	log     *slog.Logger
	oauth   *crmhttp.Client
	loginc  *crmhttp.Client
	sess    *session
	plans   map[string]*plan
	objects []string
	now     func() time.Time
}

// New builds a source from a configuration and the wiring's environment.
// It validates the configuration and does no I/O. Projected objects and
// fields Bullhorn does not have, and candidate fields, are skipped and
// logged at info level.
func New(cfg Config, env pipeline.SourceEnv) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bullhorn: %w: %w", err, pipeline.ErrConfig)
	}
	if cfg.Username == "" {
		cfg.AuthURL = cmp.Or(cfg.AuthURL, defaultAuthURL)
		cfg.LoginURL = cmp.Or(cfg.LoginURL, defaultLoginURL)
	}
	s := &Source{cfg: cfg, env: env, plans: map[string]*plan{}, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.log = log.With("component", "bullhorn")
	for object, fields := range env.Projection {
		if p := newPlan(cfg, object, fields); p != nil {
			s.plans[object] = p
		}
	}
	for _, o := range order {
		if p := s.plans[o]; p != nil {
			s.objects = append(s.objects, o)
			if len(p.unsupported) > 0 {
				s.log.Info("projected fields bullhorn does not provide or tally never pulls stay empty", "object", o, "fields", p.unsupported)
			}
		}
	}
	if !cfg.discovers() {
		if err := s.authClients(); err != nil {
			return nil, err
		}
	}
	s.sess = &session{s: s, refresh: cfg.RefreshToken.Reveal()}
	return s, nil
}

// authClients builds the clients of the OAuth server and the REST login
// host once their URLs are known.
func (s *Source) authClients() error {
	var err error
	if s.oauth, err = s.newClient(s.cfg.AuthURL, s.transport()); err != nil {
		return fmt.Errorf("bullhorn: auth_url: %w: %w", err, pipeline.ErrConfig)
	}
	if s.loginc, err = s.newClient(s.cfg.LoginURL, s.transport()); err != nil {
		return fmt.Errorf("bullhorn: login_url: %w: %w", err, pipeline.ErrConfig)
	}
	return nil
}

func (s *Source) transport() http.RoundTripper {
	if s.env.Transport != nil {
		return s.env.Transport
	}
	return http.DefaultTransport
}

func (s *Source) newClient(base string, transport http.RoundTripper, redirectHosts ...string) (*crmhttp.Client, error) {
	return crmhttp.New(crmhttp.Options{
		RedirectHosts: redirectHosts,
		Vendor:        "bullhorn",
		BaseURL:       base,
		AllowList:     AllowList,
		AuthHint:      "the bullhorn oauth client and refresh token",
		MaxRetries:    s.cfg.MaxRetries,
		RetryWaitMin:  s.cfg.RetryWaitMin,
		RetryWaitMax:  s.cfg.RetryWaitMax,
		Timeout:       s.cfg.Timeout,
		Transport:     transport,
		Logger:        s.log,
		Observer:      s.env.Requests,
	})
}

// Objects returns the projected objects in the order user, placement.
func (s *Source) Objects() []string { return s.objects }

// Open discovers the data center (when username is set and a URL is
// not), refreshes the access token and logs in, so that bad credentials
// fail here with pipeline.ErrConfig.
func (s *Source) Open(ctx context.Context) error {
	if s.oauth == nil {
		if err := s.discover(ctx); err != nil {
			return err
		}
		if err := s.authClients(); err != nil {
			return err
		}
	}
	stored, err := storedRefreshToken(s.env.StateDir)
	if err != nil {
		return err
	}
	if stored != "" {
		s.sess.mu.Lock()
		s.sess.refresh = stored
		s.sess.mu.Unlock()
	}
	_, _, err = s.sess.client(ctx, false)
	return err
}

// Close forgets the session.
func (s *Source) Close() error {
	s.sess.token.Store(nil)
	return nil
}

// Sync runs one pass of object from cursor (see package doc). Errors
// wrap pipeline.ErrConfig for rejected credentials and ErrTransient when
// retries are exhausted; emit's errors are returned unchanged.
func (s *Source) Sync(ctx context.Context, object, cur string, emit pipeline.Emitter) error {
	p := s.plans[object]
	if p == nil {
		return fmt.Errorf("bullhorn: object %s is not pulled by this source: %w", object, pipeline.ErrConfig)
	}
	ps := &pass{s: s, p: p, emit: emit}
	if err := ps.begin(cur); err != nil {
		return err
	}
	started := time.Now()
	for ps.c.Phase != phaseDone {
		var err error
		switch ps.c.Phase {
		case phaseModified:
			err = ps.modified(ctx)
		case phaseReconcile:
			err = ps.reconcile(ctx)
		}
		if err != nil {
			return err
		}
	}
	if ps.oddDelete > 0 {
		s.log.Warn("records whose deleted flag is not a boolean were skipped: neither deleted nor live can be trusted",
			"object", object, "count", ps.oddDelete)
	}
	s.log.Info("sync pass complete", "object", object, "count", ps.count, "duration", time.Since(started))
	return nil
}
