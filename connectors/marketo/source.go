package marketo

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// AllowList is every REST and bulk request the connector may send; all
// are reads (creating and enqueueing an export job are POSTs that read).
var AllowList = crmhttp.AllowList{
	{Method: http.MethodPost, Path: "/bulk/v1/leads/export/create.json"},
	{Method: http.MethodPost, Path: "/bulk/v1/leads/export/{exportId}/enqueue.json"},
	{Method: http.MethodGet, Path: "/bulk/v1/leads/export/{exportId}/status.json"},
	{Method: http.MethodGet, Path: "/bulk/v1/leads/export/{exportId}/file.json"},
	{Method: http.MethodGet, Path: "/rest/v1/activities/pagingtoken.json"},
	{Method: http.MethodGet, Path: "/rest/v1/activities.json"},
	{Method: http.MethodGet, Path: "/rest/v1/activities/deletedleads.json"},
	{Method: http.MethodGet, Path: "/rest/v1/activities/types.json"},
	{Method: http.MethodGet, Path: "/rest/v1/leads.json"},
	{Method: http.MethodGet, Path: "/rest/v1/leads/describe.json"},
}

// IdentityAllowList is the one request sent to the Identity endpoint.
var IdentityAllowList = crmhttp.AllowList{{Method: http.MethodGet, Path: "/oauth/token"}}

// Source pulls one Marketo subscription for one tenant. Sync may run
// concurrently for different objects.
type Source struct {
	cfg     Config
	env     pipeline.SourceEnv
	log     *slog.Logger
	client  *crmhttp.Client
	auth    *auth
	limit   *limited // every request to the instance waits here
	plans   map[string]*plan
	objects []string
	start   time.Time
	now     func() time.Time

	typesMu sync.Mutex
	types   map[int]string
}

// New builds a source from a configuration and the wiring's environment.
// It validates the configuration and does no I/O. Projected objects and
// fields Marketo does not provide are skipped and logged at info level.
func New(cfg Config, env pipeline.SourceEnv) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("marketo: %w: %w", err, pipeline.ErrConfig)
	}
	s := &Source{cfg: cfg, env: env, plans: map[string]*plan{}, now: cfg.Now, types: map[int]string{}}
	if s.now == nil {
		s.now = time.Now
	}
	s.start, _ = cfg.startDate()
	for id, name := range cfg.ActivityTypes {
		s.types[id] = name
	}
	for object, fields := range env.Projection {
		if p := newPlan(object, fields, cfg.MQLField); p != nil {
			s.plans[object] = p
		}
	}
	for _, o := range order {
		if s.plans[o] != nil {
			s.objects = append(s.objects, o)
		}
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.log = log.With("component", "marketo")
	for _, o := range s.objects {
		if u := s.plans[o].unsupported; len(u) > 0 {
			s.log.Info("projected fields marketo does not provide stay empty", "object", o, "fields", u)
		}
	}
	base := env.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	s.limit = &limited{lim: newLimiter(cfg.RateLimit, cfg.RateWindow), next: base}
	base = s.limit
	s.auth = &auth{s: s}
	opts := crmhttp.Options{
		Vendor:       "marketo",
		AuthHint:     "client_id and the secret in " + envName(cfg.ClientSecret.Env()),
		MaxRetries:   cfg.MaxRetries,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		Timeout:      cfg.Timeout,
		Logger:       log,
		Observer:     env.Requests,
	}
	rest, idn := opts, opts
	rest.BaseURL, rest.AllowList, rest.Transport = cfg.BaseURL, AllowList, &transport{tok: &s.auth.tok, next: base}
	idn.BaseURL, idn.AllowList, idn.Transport = cfg.identityURL(), IdentityAllowList, base
	var err error
	if s.client, err = crmhttp.New(rest); err == nil {
		s.auth.identity, err = crmhttp.New(idn)
	}
	if err != nil {
		return nil, fmt.Errorf("marketo: %w: %w", err, pipeline.ErrConfig)
	}
	return s, nil
}

// Objects returns the projected objects in the order lead, activity.
func (s *Source) Objects() []string { return s.objects }

// Open gets an access token from Identity, proving the credentials.
func (s *Source) Open(ctx context.Context) error { return s.auth.ensure(ctx, false) }

// Close does nothing.
func (s *Source) Close() error { return nil }

// Sync runs one pass of object from cursor (see package doc). Errors
// wrap pipeline.ErrConfig for rejected credentials, ErrQuota when the
// daily quota (607) or export quota is spent, ErrTransient when retries
// are exhausted; emit's errors are returned unchanged.
func (s *Source) Sync(ctx context.Context, object, cur string, emit pipeline.Emitter) error {
	p := s.plans[object]
	if p == nil {
		return fmt.Errorf("marketo: object %s is not pulled by this source: %w", object, pipeline.ErrConfig)
	}
	started := time.Now()
	var n int
	var err error
	if object == "lead" {
		n, err = s.syncLeads(ctx, p, cur, emit)
	} else {
		n, err = s.syncActivities(ctx, p, cur, emit)
	}
	if err != nil {
		return err
	}
	s.log.Info("sync pass complete", "object", object, "count", n, "duration", time.Since(started))
	return nil
}

var _ pipeline.Checker = (*Source)(nil)

// Check proves the token and read access without pulling anything: a
// lead lookup by an id that matches nobody (asking for the id field
// only) and a paging token for activities.
func (s *Source) Check(ctx context.Context) error {
	for _, o := range s.objects {
		var r crmhttp.Request
		if o == "lead" {
			r = crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/leads.json",
				Query: url.Values{"filterType": {"id"}, "filterValues": {"0"}, "fields": {"id"}}}
		} else {
			r = crmhttp.Request{Method: http.MethodGet, Path: "/rest/v1/activities/pagingtoken.json",
				Query: url.Values{"sinceDatetime": {s.now().UTC().Format(time.RFC3339)}}}
		}
		if _, err := s.call(ctx, r, nil); err != nil {
			return fmt.Errorf("checking %s: %w", o, err)
		}
	}
	return nil
}

func pathURL(p string) *url.URL { return &url.URL{Path: p} }

// record starts a record of object.
func (s *Source) record(object, id string, op pipeline.Op, version time.Time) pipeline.Record {
	return pipeline.Record{Tenant: s.env.Tenant, Source: s.env.Name, Object: object, ID: id, Op: op, Version: version}
}
