package pipedrive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

// page is the v2 list envelope (and v1's, without additional_data).
type page struct {
	Success        bool   `json:"success"`
	Data           []item `json:"data"`
	AdditionalData *struct {
		NextCursor *string `json:"next_cursor"`
	} `json:"additional_data"`
}

func (pg *page) next() string {
	if pg.AdditionalData == nil || pg.AdditionalData.NextCursor == nil {
		return ""
	}
	return *pg.AdditionalData.NextCursor
}

// decodePage accepts a body only if it says success and has a data
// array (null counts as empty).
func decodePage(dst *page) func([]byte) error {
	return func(b []byte) error {
		var pg page
		if err := json.Unmarshal(b, &pg); err != nil {
			return err
		}
		if !pg.Success || (pg.Data == nil && !bytes.Contains(b, []byte(`"data"`))) {
			return errors.New("not a success envelope with data")
		}
		*dst = pg
		return nil
	}
}

// list pages through the current v2 listing phase (live, deleted or
// archived deals, or activities), emitting each page with the cursor
// after it, until the phase ends. A cursor the phase already fetched
// ends it with crmhttp.ErrPagingLoop.
func (ps *pass) list(ctx context.Context) error {
	path, what := "/api/v2/deals", ps.c.Phase+" deals"
	switch ps.c.Phase {
	case phaseArchived:
		path = "/api/v2/deals/archived"
	case phaseActivities:
		path, what = "/api/v2/activities", "activities"
	}
	var guard crmhttp.PageGuard
	for {
		q := url.Values{"limit": {strconv.Itoa(ps.s.cfg.PageSize)}}
		if ps.c.Next != "" {
			q.Set("cursor", ps.c.Next)
		}
		if ps.c.Since != "" {
			q.Set("updated_since", ps.c.Since)
		}
		if ps.c.Phase == phaseDeleted {
			q.Set("status", "deleted")
		}
		ps.c.Page++
		if err := guard.Visit(ps.c.Next); err != nil {
			return fmt.Errorf("pipedrive %s page %d: %w", what, ps.c.Page, err)
		}
		var pg page
		if err := ps.s.client.Do(ctx, crmhttp.Request{Method: http.MethodGet, Path: path, Query: q}, decodePage(&pg)); err != nil {
			return fmt.Errorf("fetching %s page %d: %w", what, ps.c.Page, err)
		}
		next := ps.c
		if n := pg.next(); n == "" {
			next = ps.after(ps.c.Phase)
		} else {
			next.Next = n
		}
		if err := ps.flush(ctx, ps.records(pg.Data), next); err != nil {
			return err
		}
		phase := ps.c.Phase
		ps.c = next
		if next.Phase != phase {
			return nil
		}
	}
}

// users fetches every user in one request.
func (ps *pass) users(ctx context.Context) error {
	var pg page
	if err := ps.s.client.Do(ctx, crmhttp.Request{Method: http.MethodGet, Path: "/v1/users"}, decodePage(&pg)); err != nil {
		return fmt.Errorf("fetching users: %w", err)
	}
	next := ps.after(phaseUsers)
	if err := ps.flush(ctx, ps.records(pg.Data), next); err != nil {
		return err
	}
	ps.c = next
	return nil
}

// records turns items into records. Deleted and archived deals and
// activities flagged is_deleted are deletes carrying ID and Version only.
// An item is a delete only when it says so itself: an item of the
// status=deleted listing that is neither is_deleted nor status deleted,
// or of the archived listing that is not is_archived, is skipped and
// counted in ps.notDeleted (a server that ignores the filter must not
// make tally delete live deals).
func (ps *pass) records(items []item) []pipeline.Record {
	out := make([]pipeline.Record, 0, len(items))
	for i := range items {
		it := &items[i]
		deleted := it.IsDeleted == true || it.Status == "deleted"
		archived := it.IsArchived == true
		if (ps.c.Phase == phaseDeleted && !deleted) || (ps.c.Phase == phaseArchived && !archived) {
			ps.notDeleted++
			continue
		}
		r := pipeline.Record{
			Tenant: ps.s.env.Tenant, Source: ps.s.env.Name, Object: ps.p.object,
			Op: pipeline.OpUpsert, Version: version(it.UpdateTime),
		}
		if id, ok := idString(it.ID).(string); ok {
			r.ID = id
		}
		if ps.p.object == "user" {
			r.Version = version(it.Modified)
		}
		if deleted || archived {
			r.Op = pipeline.OpDelete
			if t := version(it.ArchiveTime); t.After(r.Version) {
				r.Version = t
			}
			out = append(out, r)
			continue
		}
		r.Fields = make(map[string]any, len(ps.p.fields))
		for _, f := range ps.p.fields {
			r.Fields[f.canonical] = f.read(it)
		}
		out = append(out, r)
	}
	return out
}

// warnNotDeleted logs, once per pass, how many items a deleted or
// archived listing returned that did not say so themselves.
func (ps *pass) warnNotDeleted() {
	if ps.notDeleted > 0 {
		ps.s.log.Warn("deleted or archived listing returned records that are neither; they were skipped, not deleted",
			"object", ps.p.object, "count", ps.notDeleted)
	}
}
