package pipedrive

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// AllowList is every request the connector may send; all are GETs.
var AllowList = crmhttp.AllowList{
	{Method: http.MethodGet, Path: "/api/v2/deals"},
	{Method: http.MethodGet, Path: "/api/v2/deals/archived"},
	{Method: http.MethodGet, Path: "/v1/users"},
	{Method: http.MethodGet, Path: "/api/v2/activities"},
}

// Source pulls one Pipedrive company for one tenant. Sync may run
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
// fields Pipedrive does not have are skipped and logged at info level.
func New(cfg Config, env pipeline.SourceEnv) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pipedrive: %w: %w", err, pipeline.ErrConfig)
	}
	log := env.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Source{cfg: cfg, env: env, plans: map[string]*plan{}, now: cfg.Now, log: log.With("component", "pipedrive")}
	if s.now == nil {
		s.now = time.Now
	}
	for object, fields := range env.Projection {
		if p := newPlan(object, fields); p != nil {
			s.plans[object] = p
		} else {
			s.log.Info("projected object pipedrive does not provide is skipped", "object", object)
		}
	}
	for _, o := range order {
		if p := s.plans[o]; p != nil {
			s.objects = append(s.objects, o)
			if len(p.unsupported) > 0 {
				s.log.Info("projected fields pipedrive does not provide stay empty", "object", o, "fields", p.unsupported)
			}
		}
	}
	hint := "the API token"
	if e := cfg.Token.Env(); e != "" {
		hint = "the API token in " + e
	}
	next := env.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	client, err := crmhttp.New(crmhttp.Options{
		Vendor:       "pipedrive",
		BaseURL:      cfg.BaseURL,
		AllowList:    AllowList,
		AuthHint:     hint,
		MaxRetries:   cfg.MaxRetries,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		Timeout:      cfg.Timeout,
		Transport:    &apiToken{token: cfg.Token.Reveal(), next: next},
		Logger:       log,
		Observer:     env.Requests,
		RateLimitWait: func(h http.Header) (time.Duration, bool) {
			d, ok := RateLimitWait(h)
			return min(d, cfg.RetryWaitMax), ok
		},
		Quota: BudgetSpent,
	})
	if err != nil {
		return nil, fmt.Errorf("pipedrive: %w: %w", err, pipeline.ErrConfig)
	}
	s.client = client
	return s, nil
}

// Objects returns the projected objects in the order user, deal,
// activity.
func (s *Source) Objects() []string { return s.objects }

// Open does nothing: an API token needs no exchange.
func (s *Source) Open(context.Context) error { return nil }

// Close does nothing.
func (s *Source) Close() error { return nil }

// Sync runs one pass of object from cursor (see package doc). Errors
// wrap pipeline.ErrConfig for a rejected token, pipeline.ErrQuota when
// the daily token budget is spent (every page before it was emitted with
// its cursor, so the next pass resumes there) and ErrTransient when
// retries are exhausted; emit's errors are returned unchanged.
func (s *Source) Sync(ctx context.Context, object, cur string, emit pipeline.Emitter) error {
	p := s.plans[object]
	if p == nil {
		return fmt.Errorf("pipedrive: object %s is not pulled by this source: %w", object, pipeline.ErrConfig)
	}
	ps := &pass{s: s, p: p, emit: emit}
	if err := ps.begin(cur); err != nil {
		return err
	}
	started := time.Now()
	defer ps.warnNotDeleted()
	for ps.c.Phase != phaseDone {
		var err error
		if ps.c.Phase == phaseUsers {
			err = ps.users(ctx)
		} else {
			err = ps.list(ctx)
		}
		if err != nil {
			return err
		}
	}
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
	// notDeleted counts items of deleted or archived listings that did
	// not say so themselves: skipped, never deletes.
	notDeleted int
}

// begin sets the cursor to resume from: a new full pass, a new
// incremental pass after a done cursor, or the middle of a pass.
func (ps *pass) begin(cur string) error {
	first := phaseLive
	switch ps.p.object {
	case "user":
		first = phaseUsers
	case "activity":
		first = phaseActivities
	}
	start := ps.s.now().UnixMilli()
	if cur == "" {
		ps.c = cursor{V: cursorVersion, Phase: first, Start: start}
		return nil
	}
	c, err := decodeCursor(cur)
	if err != nil {
		return fmt.Errorf("pipedrive: resuming %s: %w", ps.p.object, err)
	}
	if c.Phase == phaseDone {
		c = cursor{V: cursorVersion, Phase: first, Start: start, Since: c.Since}
	}
	ps.c = c
	return nil
}

// after returns the cursor of the phase that follows phase.
func (ps *pass) after(phase string) cursor {
	c := cursor{V: cursorVersion, Start: ps.c.Start, Since: ps.c.Since}
	switch {
	case phase == phaseLive && ps.s.cfg.Deleted:
		c.Phase = phaseDeleted
	case (phase == phaseLive || phase == phaseDeleted) && ps.s.cfg.Archived:
		c.Phase = phaseArchived
	default:
		c.Phase = phaseDone
		since := time.UnixMilli(ps.c.Start).Add(-ps.s.cfg.UpdateLag).UTC().Truncate(time.Second)
		c.Since = since.Format(time.RFC3339)
	}
	return c
}

// flush hands a page and its resume cursor to the emitter.
func (ps *pass) flush(ctx context.Context, records []pipeline.Record, next cursor) error {
	ps.count += len(records)
	return ps.emit.Emit(ctx, records, next.encode())
}
