package hubspot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// AllowList is every request the connector may send; all are reads
// (search is a POST that reads).
var AllowList = crmhttp.AllowList{
	{Method: http.MethodGet, Path: "/crm/v3/objects/{object}"},
	{Method: http.MethodPost, Path: "/crm/v3/objects/{object}/search"},
	{Method: http.MethodGet, Path: "/crm/v3/owners"},
	{Method: http.MethodGet, Path: "/crm/v3/properties/{object}"},
}

// Source pulls one HubSpot portal for one tenant. Sync may run
// concurrently for different objects.
type Source struct {
	cfg     Config
	env     pipeline.SourceEnv
	log     *slog.Logger
	client  *crmhttp.Client
	plans   map[string]*plan
	objects []string
	now     func() time.Time
}

// New builds a source from a configuration and the wiring's environment.
// It validates the configuration and does no I/O. Projected objects and
// fields HubSpot does not have are skipped and logged at info level.
func New(cfg Config, env pipeline.SourceEnv) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("hubspot: %w: %w", err, pipeline.ErrConfig)
	}
	s := &Source{cfg: cfg, env: env, plans: map[string]*plan{}, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	for object, fields := range env.Projection {
		p, err := newPlan(object, fields)
		if err != nil {
			return nil, err
		}
		if p != nil {
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
	s.log = log.With("component", "hubspot")
	for _, o := range s.objects {
		if u := s.plans[o].unsupported; len(u) > 0 {
			s.log.Info("projected fields hubspot does not provide stay empty", "object", o, "fields", u)
		}
	}
	hint := "the private-app token and its scopes"
	if env := cfg.Token.Env(); env != "" {
		hint = "the private-app token in " + env + " and its scopes"
	}
	client, err := crmhttp.New(crmhttp.Options{
		Vendor:        "hubspot",
		BaseURL:       cfg.BaseURL,
		AllowList:     AllowList,
		Token:         cfg.Token,
		AuthHint:      hint,
		MaxRetries:    cfg.MaxRetries,
		RetryWaitMin:  cfg.RetryWaitMin,
		RetryWaitMax:  cfg.RetryWaitMax,
		Timeout:       cfg.Timeout,
		Transport:     env.Transport,
		Observer:      env.Requests,
		Logger:        log,
		RateLimitWait: RateLimitWait,
		Quota:         IsDailyLimit,
	})
	if err != nil {
		return nil, fmt.Errorf("hubspot: %w: %w", err, pipeline.ErrConfig)
	}
	s.client = client
	return s, nil
}

// Objects returns the projected objects in the order user, deal, lead.
func (s *Source) Objects() []string { return s.objects }

// Open does nothing: a private-app token needs no exchange.
func (s *Source) Open(context.Context) error { return nil }

// Close does nothing.
func (s *Source) Close() error { return nil }

// Sync runs one pass of object from cursor (see package doc). Errors
// wrap pipeline.ErrConfig for a rejected token, ErrQuota when the daily
// limit is spent, ErrTransient when retries are exhausted; emit's errors
// are returned unchanged.
func (s *Source) Sync(ctx context.Context, object, cur string, emit pipeline.Emitter) error {
	p := s.plans[object]
	if p == nil {
		return fmt.Errorf("hubspot: object %s is not pulled by this source: %w", object, pipeline.ErrConfig)
	}
	ps := &pass{s: s, p: p, emit: emit}
	if err := ps.begin(cur); err != nil {
		return err
	}
	started := time.Now()
	defer ps.warnNotArchived()
	for ps.c.Phase != phaseDone {
		var err error
		switch ps.c.Phase {
		case phaseList:
			err = ps.list(ctx, false)
		case phaseArchived:
			err = ps.list(ctx, true)
		case phaseSearch:
			err = ps.search(ctx)
		}
		if err != nil {
			return err
		}
	}
	ps.warnNeverSeen()
	s.log.Info("sync pass complete", "object", object, "count", ps.count, "duration", time.Since(started))
	return nil
}

// pass is the state of one Sync call.
type pass struct {
	s     *Source
	p     *plan
	emit  pipeline.Emitter
	c     cursor
	count int
	// notArchived counts items of archived listings that did not say
	// archived themselves: skipped, never deletes.
	notArchived int
	// upserts counts the upserted items observed; seen holds the
	// projected properties at least one of them carried.
	upserts int
	seen    map[string]bool
}

// warnNotArchived logs, once per pass, how many items an archived
// listing returned that were not archived: a server that ignores the
// archived flag must not make tally delete live records.
func (ps *pass) warnNotArchived() {
	if ps.notArchived > 0 {
		ps.s.log.Warn("archived listing returned records that are not archived; they were skipped, not deleted",
			"object", ps.p.canonical, "count", ps.notArchived)
	}
}

// begin sets the cursor to resume from: a new full pass, a new
// incremental pass after a done cursor, or the middle of a pass.
func (ps *pass) begin(cur string) error {
	now := ps.s.now().UnixMilli()
	if cur == "" {
		ps.c = cursor{V: cursorVersion, Phase: phaseList, Start: now}
		return nil
	}
	c, err := decodeCursor(cur)
	if err != nil {
		return fmt.Errorf("hubspot: resuming %s: %w", ps.p.canonical, err)
	}
	if c.Phase != phaseDone {
		ps.c = c
		return nil
	}
	if ps.p.modified == "" {
		ps.c = cursor{V: cursorVersion, Phase: phaseList, Start: now}
		return nil
	}
	ps.c = cursor{V: cursorVersion, Phase: phaseSearch, Start: now}
	if end := now - ps.s.cfg.SearchLag.Milliseconds(); end > c.Since {
		ps.c.Windows = []window{{From: c.Since, To: end}}
	}
	if len(ps.c.Windows) == 0 {
		ps.c = ps.afterMain()
	}
	return nil
}

// afterMain is the cursor that follows the list or search phase.
func (ps *pass) afterMain() cursor {
	if ps.s.cfg.Archived {
		return cursor{V: cursorVersion, Phase: phaseArchived, Start: ps.c.Start}
	}
	return ps.done()
}

func (ps *pass) done() cursor {
	return cursor{V: cursorVersion, Phase: phaseDone, Start: ps.c.Start, Since: ps.c.Start - ps.s.cfg.SearchLag.Milliseconds()}
}
