package salesforce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.IDLister = (*Source)(nil)

// ListIDs lists the Id of every record of object that Salesforce still
// holds, for the runner's hard-delete reconcile: records purged from the
// recycle bin (or hard-deleted through the Bulk API) are the ones no
// listing returns any more. It sends the cheapest query there is,
// SELECT Id ORDER BY Id, one page per page_size ids, through queryAll
// for sObjects that have IsDeleted: /query leaves out archived Tasks and
// Events, which still exist, and recycle-bin records are deleted by the
// sync pass anyway. Every page is checked against quota_share first, so
// a listing stops with pipeline.ErrQuota before passing it; an
// incomplete listing returns an error and must not delete anything (a
// page with a record without an Id is one). Errors are those of Sync;
// fn's are returned unchanged.
func (s *Source) ListIDs(ctx context.Context, object string, fn func(ids []string) error) error {
	plans := s.plans[object]
	if plans == nil {
		return fmt.Errorf("salesforce: object %s is not pulled by this source: %w", object, pipeline.ErrConfig)
	}
	client, err := s.rest()
	if err != nil {
		return err
	}
	for _, p := range plans {
		if err := s.listIDs(ctx, client, p, fn); err != nil {
			return err
		}
	}
	return nil
}

// listIDs pages through every current Id of p's sObject.
func (s *Source) listIDs(ctx context.Context, client *crmhttp.Client, p *plan, fn func(ids []string) error) error {
	resource := "query"
	if p.deletes {
		resource = "queryAll"
	}
	req := crmhttp.Request{Method: http.MethodGet, Path: "/services/data/" + s.cfg.APIVersion + "/" + resource,
		Query: url.Values{"q": {"SELECT Id FROM " + p.name + " ORDER BY Id ASC"}}}
	var guard crmhttp.PageGuard
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := guard.Visit(req.Path + "?" + req.Query.Encode()); err != nil {
			return fmt.Errorf("salesforce: listing %s (%s) ids: %w", p.canonical, p.name, err)
		}
		if !s.limits.allows(s.cfg.QuotaShare) {
			used, limit := s.limits.snapshot()
			return fmt.Errorf("salesforce: %s: listing ids stopped at %d of %d daily API requests (quota_share %.2f): %w",
				p.name, used, limit, s.cfg.QuotaShare, pipeline.ErrQuota)
		}
		var pg page
		if _, err := s.do(ctx, client, req, &pg); err != nil {
			return fmt.Errorf("salesforce: listing %s ids, page %d: %w", p.name, n, err)
		}
		expect(&guard, pg)
		if pg.Unreadable > 0 {
			return fmt.Errorf("salesforce: listing %s ids, page %d: a record that is not an object: %w", p.name, n, pipeline.ErrTransient)
		}
		ids := make([]string, 0, len(pg.Records))
		for _, r := range pg.Records {
			id, _ := r["Id"].(string)
			if id == "" {
				// Its fact would look deleted: better no reconcile.
				return fmt.Errorf("salesforce: listing %s ids, page %d: a record without an Id: %w", p.name, n, pipeline.ErrTransient)
			}
			ids = append(ids, id)
		}
		if err := fn(ids); err != nil {
			return err
		}
		if pg.Done {
			return nil
		}
		var err error
		if req, err = s.nextPage(pg.NextRecordsURL); err != nil {
			return fmt.Errorf("salesforce: %s: %w", p.name, err)
		}
	}
}
