package salesforce

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// AllowList is every REST request the connector may send to the
// instance; all are reads. A queryAll's nextRecordsUrl says /query/.
var AllowList = crmhttp.AllowList{
	{Method: http.MethodGet, Path: "/services/data/{version}/query"},
	{Method: http.MethodGet, Path: "/services/data/{version}/queryAll"},
	{Method: http.MethodGet, Path: "/services/data/{version}/query/{locator}"},
}

// Source pulls one Salesforce org for one tenant. Sync may run
// concurrently for different objects.
type Source struct {
	cfg     Config
	env     pipeline.SourceEnv
	log     *slog.Logger
	plans   map[string][]*plan
	objects []string
	limits  *limits
	session *session

	mu     sync.Mutex
	client *crmhttp.Client
}

// New builds a source from a configuration and the wiring's environment.
// It validates the configuration and does no I/O. Projected objects and
// fields Salesforce does not provide are skipped and logged at info
// level.
func New(cfg Config, env pipeline.SourceEnv) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("salesforce: %w: %w", err, pipeline.ErrConfig)
	}
	s := &Source{cfg: cfg, env: env, plans: map[string][]*plan{}, limits: &limits{}}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.log = log.With("component", "salesforce")
	for _, o := range order {
		fields, ok := env.Projection[o]
		if !ok {
			continue
		}
		ps := newPlans(cfg, o, fields)
		s.plans[o] = ps
		s.objects = append(s.objects, o)
		for _, p := range ps {
			if len(p.unsupported) > 0 {
				s.log.Info("projected fields salesforce does not provide stay empty", "object", o, "sobject", p.name, "fields", p.unsupported)
			}
		}
	}
	for o := range env.Projection {
		if s.plans[o] == nil {
			s.log.Info("projected object salesforce does not provide is skipped", "object", o)
		}
	}
	sess, err := newSession(cfg, env.Transport)
	if err != nil {
		return nil, fmt.Errorf("salesforce: %w: %w", err, pipeline.ErrConfig)
	}
	s.session = sess
	return s, nil
}

// Objects returns the projected objects in the order user, deal, lead,
// activity.
func (s *Source) Objects() []string { return s.objects }

// Open exchanges the credentials for an access token and prepares the
// REST client for the instance the token endpoint names. Errors wrap
// pipeline.ErrConfig for refused credentials.
func (s *Source) Open(ctx context.Context) error {
	if err := s.session.refresh(ctx, 0); err != nil {
		return err
	}
	instance := s.session.instanceURL()
	base := s.env.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hint := "the connected app's permissions (API Enabled) and the client_secret"
	if env := s.cfg.ClientSecret.Env(); env != "" {
		hint += " in " + env
	}
	if s.cfg.jwtFlow() {
		hint = "the API Enabled permission of jwt_subject and the connected app's scopes"
	}
	client, err := crmhttp.New(crmhttp.Options{
		Vendor:       "salesforce",
		BaseURL:      instance,
		AllowList:    AllowList,
		AuthHint:     hint,
		MaxRetries:   s.cfg.MaxRetries,
		RetryWaitMin: s.cfg.RetryWaitMin,
		RetryWaitMax: s.cfg.RetryWaitMax,
		Timeout:      s.cfg.Timeout,
		Transport: &transport{s: s.session, next: base, limits: s.limits,
			batch: "batchSize=" + strconv.Itoa(s.cfg.PageSize)},
		Logger:   s.log,
		Observer: s.env.Requests,
	})
	if err != nil {
		return fmt.Errorf("salesforce: %w: %w", err, pipeline.ErrConfig)
	}
	s.mu.Lock()
	s.client = client
	s.mu.Unlock()
	return nil
}

// Close does nothing: Salesforce sessions expire on their own.
func (s *Source) Close() error { return nil }

func (s *Source) rest() (*crmhttp.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.client == nil {
		return nil, fmt.Errorf("salesforce: Sync before Open: %w", pipeline.ErrConfig)
	}
	return s.client, nil
}
