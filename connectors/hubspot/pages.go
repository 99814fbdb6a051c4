package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

var errStuck = errors.New("paging did not advance")

// list pages through the list endpoint (live or archived records),
// emitting each page with the cursor after it, until the phase ends.
func (ps *pass) list(ctx context.Context, archived bool) error {
	what := "fetching"
	if archived {
		what = "fetching archived"
	}
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
		var pg page
		req := crmhttp.Request{Method: http.MethodGet, Path: ps.p.path, Query: q}
		if err := ps.s.client.Do(ctx, req, decodePage(&pg)); err != nil {
			return fmt.Errorf("%s %s page %d: %w", what, ps.p.name, ps.c.Page, err)
		}
		next := ps.c.clone()
		switch after := pg.next(); {
		case after == "":
			next = ps.afterMain()
			if archived {
				next = ps.done()
			}
		case after == ps.c.After:
			return fmt.Errorf("%s %s page %d: %w", what, ps.p.name, ps.c.Page, errStuck)
		default:
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
func (ps *pass) search(ctx context.Context) error {
	for len(ps.c.Windows) > 0 {
		w := ps.c.Windows[0]
		ps.c.Page++
		var pg page
		req := crmhttp.Request{Method: http.MethodPost, Path: ps.p.path + "/search", Body: ps.searchBody(w, ps.c.After)}
		if err := ps.s.client.Do(ctx, req, decodePage(&pg)); err != nil {
			return fmt.Errorf("searching %s page %d: %w", ps.p.name, ps.c.Page, err)
		}
		if ps.c.After == "" && !w.ByID && pg.Total != nil && *pg.Total > ps.s.cfg.SearchCap {
			ps.split(*pg.Total)
			continue
		}
		next := ps.c.clone()
		after := pg.next()
		switch {
		case w.ByID && after != "" && len(pg.Results) > 0:
			id, err := strconv.ParseInt(pg.Results[len(pg.Results)-1].ID, 10, 64)
			if err != nil || id <= w.LastID {
				return fmt.Errorf("searching %s page %d: %w", ps.p.name, ps.c.Page, errStuck)
			}
			next.Windows[0].LastID = id
		case !w.ByID && after != "":
			if after == ps.c.After {
				return fmt.Errorf("searching %s page %d: %w", ps.p.name, ps.c.Page, errStuck)
			}
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
