package salesforce

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// Reconcile finds hard deletes of object: records purged from the
// recycle bin (or hard-deleted through the Bulk API) that no queryAll
// returns any more. It lists every current Id with the cheapest query
// there is (SELECT Id, one page per PageSize ids) and emits, in pages
// without a cursor, an OpDelete versioned now for every id of known that
// the listing lacks.
//
// known yields the source ids of object the caller believes exist (for
// example the ids tally emitted and has not deleted); Reconcile holds
// them in memory, never the listing, so its memory is bounded by known.
// It returns the number of deletes emitted. Errors are those of Sync.
//
// The warehouse stores only pseudonyms, not source ids, so no pass calls
// Reconcile yet: it is the connector side of a reconcile that needs a
// pipeline contract for the known ids.
func (s *Source) Reconcile(ctx context.Context, object string, known iter.Seq[string], emit pipeline.Emitter) (int, error) {
	plans := s.plans[object]
	if plans == nil {
		return 0, fmt.Errorf("salesforce: object %s is not pulled by this source: %w", object, pipeline.ErrConfig)
	}
	client, err := s.rest()
	if err != nil {
		return 0, err
	}
	missing := map[string]bool{}
	for id := range known {
		missing[id] = true
	}
	for _, p := range plans {
		if err := s.listIDs(ctx, client, p, func(ids []string) {
			for _, id := range ids {
				delete(missing, id)
			}
		}); err != nil {
			return 0, err
		}
	}
	now := time.Now().UTC()
	var page []pipeline.Record
	n := 0
	for id := range missing {
		page = append(page, pipeline.Record{Tenant: s.env.Tenant, Source: s.env.Name, Object: object,
			ID: id, Op: pipeline.OpDelete, Version: now})
		if len(page) == s.cfg.PageSize {
			if err := emit.Emit(ctx, page, ""); err != nil {
				return n, err
			}
			n, page = n+len(page), nil
		}
	}
	if len(page) > 0 {
		if err := emit.Emit(ctx, page, ""); err != nil {
			return n, err
		}
		n += len(page)
	}
	s.log.Info("reconcile complete", "object", object, "count", n)
	return n, nil
}

// listIDs pages through every current Id of p's sObject.
func (s *Source) listIDs(ctx context.Context, client *crmhttp.Client, p *plan, fn func(ids []string)) error {
	req := crmhttp.Request{Method: http.MethodGet, Path: "/services/data/" + s.cfg.APIVersion + "/query",
		Query: url.Values{"q": {"SELECT Id FROM " + p.name + " ORDER BY Id ASC"}}}
	for {
		if !s.limits.allows(s.cfg.QuotaShare) {
			return fmt.Errorf("salesforce: %s: reconcile stopped at the quota_share of the daily API limit: %w", p.name, pipeline.ErrQuota)
		}
		var pg page
		if _, err := s.do(ctx, client, req, &pg); err != nil {
			return err
		}
		ids := make([]string, 0, len(pg.Records))
		for _, r := range pg.Records {
			if id, ok := r["Id"].(string); ok {
				ids = append(ids, id)
			}
		}
		fn(ids)
		if pg.Done {
			return nil
		}
		var err error
		if req, err = s.nextPage(pg.NextRecordsURL); err != nil {
			return fmt.Errorf("salesforce: %s: %w", p.name, err)
		}
	}
}
