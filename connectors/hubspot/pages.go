package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// list pages through the list endpoint (live or archived records),
// emitting each page with the cursor after it, until the phase ends. A
// cursor the listing already fetched ends it with crmhttp.ErrPagingLoop.
func (ps *pass) list(ctx context.Context, archived bool) error {
	what := "fetching"
	if archived {
		what = "fetching archived"
	}
	var guard crmhttp.PageGuard
	for {
		q := url.Values{"limit": {strconv.Itoa(ps.s.cfg.PageSize)}}
		if ps.c.After != "" {
			q.Set("after", ps.c.After)
		}
		if archived {
			q.Set("archived", "true")
		}
		if len(ps.p.props) > 0 {
			q.Set("properties", strings.Join(ps.p.props, ","))
		}
		ps.c.Page++
		if err := guard.Visit(ps.c.After); err != nil {
			return ps.loop(archived, err)
		}
		var pg page
		req := crmhttp.Request{Method: http.MethodGet, Path: ps.p.path, Query: q}
		if err := ps.s.client.Do(ctx, req, decodePage(&pg)); err != nil {
			return fmt.Errorf("%s %s page %d: %w", what, ps.p.name, ps.c.Page, err)
		}
		next := ps.c.clone()
		if after := pg.next(); after == "" {
			next = ps.afterMain()
			if archived {
				next = ps.done()
			}
		} else {
			next.After = after
		}
		if err := ps.flush(ctx, ps.records(pg.Results, archived), next); err != nil {
			return err
		}
		if ps.c.Phase != next.Phase {
			ps.c = next
			return nil
		}
		ps.c = next
	}
}

// loop names the connector, object and page of a paging loop.
func (ps *pass) loop(archived bool, err error) error {
	name := ps.p.name
	if archived {
		name = "archived " + name
	}
	return fmt.Errorf("hubspot %s page %d: %w", name, ps.c.Page, err)
}

// flush hands a page and its resume cursor to the emitter.
func (ps *pass) flush(ctx context.Context, records []pipeline.Record, next cursor) error {
	ps.count += len(records)
	return ps.emit.Emit(ctx, records, next.encode())
}

// searchBody is a search request for window w, after the paging token.
func (ps *pass) searchBody(w window, after string) map[string]any {
	ms := func(v int64) string { return strconv.FormatInt(v, 10) }
	filters := []map[string]string{
		{"propertyName": ps.p.modified, "operator": "GTE", "value": ms(w.From)},
		{"propertyName": ps.p.modified, "operator": "LT", "value": ms(w.To)},
	}
	sortBy := ps.p.modified
	if w.ByID {
		filters = append(filters, map[string]string{"propertyName": "hs_object_id", "operator": "GT", "value": ms(w.LastID)})
		sortBy = "hs_object_id"
	}
	body := map[string]any{
		"filterGroups": []any{map[string]any{"filters": filters}},
		"sorts":        []any{map[string]string{"propertyName": sortBy, "direction": "ASCENDING"}},
		"properties":   ps.p.props,
		"limit":        ps.s.cfg.SearchPageSize,
	}
	if after != "" {
		body["after"] = after
	}
	return body
}

// search pages through the pending windows of an incremental pass. A
// window whose total exceeds the search cap is split in half before it
// is paged; a single millisecond over the cap is paged by object id.
// Each window is one listing for its crmhttp.PageGuard: a paging token
// (or, by id, a last id) it already fetched, or far more pages than the
// window's total implies, ends the pass with crmhttp.ErrPagingLoop.
func (ps *pass) search(ctx context.Context) error {
	var (
		guard crmhttp.PageGuard
		cur   window
		fresh = true
	)
	for len(ps.c.Windows) > 0 {
		w := ps.c.Windows[0]
		if id := (window{From: w.From, To: w.To, ByID: w.ByID}); fresh || id != cur {
			guard, cur, fresh = crmhttp.PageGuard{}, id, false
		}
		ps.c.Page++
		if err := guard.Visit(ps.c.After + "#" + strconv.FormatInt(w.LastID, 10)); err != nil {
			return ps.loop(false, err)
		}
		var pg page
		req := crmhttp.Request{Method: http.MethodPost, Path: ps.p.path + "/search", Body: ps.searchBody(w, ps.c.After)}
		if err := ps.s.client.Do(ctx, req, decodePage(&pg)); err != nil {
			return fmt.Errorf("searching %s page %d: %w", ps.p.name, ps.c.Page, err)
		}
		if ps.c.After == "" && !w.ByID && pg.Total != nil && *pg.Total > ps.s.cfg.SearchCap {
			ps.split(*pg.Total)
			continue
		}
		if pg.Total != nil {
			guard.Expect(*pg.Total, ps.s.cfg.SearchPageSize)
		}
		next := ps.c.clone()
		after := pg.next()
		switch {
		case w.ByID && after != "" && len(pg.Results) > 0:
			id, ok := maxID(pg.Results)
			if !ok {
				return fmt.Errorf("searching %s page %d: no result has a numeric id to page by", ps.p.name, ps.c.Page)
			}
			if id <= w.LastID {
				return ps.loop(false, fmt.Errorf("object ids did not advance: %w", crmhttp.ErrPagingLoop))
			}
			next.Windows[0].LastID = id
		case !w.ByID && after != "":
			next.After = after
		default:
			next.Windows, next.After = next.Windows[1:], ""
		}
		if len(next.Windows) == 0 {
			next = ps.afterMain()
		}
		if err := ps.flush(ctx, ps.records(pg.Results, false), next); err != nil {
			return err
		}
		ps.c = next
	}
	if ps.c.Phase == phaseSearch {
		ps.c = ps.afterMain()
	}
	return nil
}

// maxID is the largest numeric id of a page's results.
func maxID(items []item) (int64, bool) {
	best, found := int64(0), false
	for i := range items {
		if id, err := strconv.ParseInt(items[i].id(), 10, 64); err == nil && (!found || id > best) {
			best, found = id, true
		}
	}
	return best, found
}

// split replaces the current window by its halves, or switches a
// one-millisecond window to paging by object id.
func (ps *pass) split(total int) {
	w := ps.c.Windows[0]
	if w.To-w.From <= 1 {
		ps.c.Windows[0].ByID = true
		ps.s.log.Info("search window of one millisecond over the cap, paging by id", "object", ps.p.canonical, "count", total)
		return
	}
	mid := w.From + (w.To-w.From)/2
	rest := ps.c.Windows[1:]
	ps.c.Windows = append([]window{{From: w.From, To: mid}, {From: mid, To: w.To}}, rest...)
	ps.s.log.Debug("search window over the cap, split", "object", ps.p.canonical, "count", total)
}
