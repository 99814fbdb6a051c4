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

var errStuck = errors.New("paging did not advance")

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
// after it, until the phase ends.
func (ps *pass) list(ctx context.Context) error {
	path, what := "/api/v2/deals", ps.c.Phase+" deals"
	switch ps.c.Phase {
	case phaseArchived:
		path = "/api/v2/deals/archived"
	case phaseActivities:
		path, what = "/api/v2/activities", "activities"
	}
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
		var pg page
		if err := ps.s.client.Do(ctx, crmhttp.Request{Method: http.MethodGet, Path: path, Query: q}, decodePage(&pg)); err != nil {
			return fmt.Errorf("fetching %s page %d: %w", what, ps.c.Page, err)
		}
		next := ps.c
		switch n := pg.next(); {
		case n == "":
			next = ps.after(ps.c.Phase)
		case n == ps.c.Next:
			return fmt.Errorf("fetching %s page %d: %w", what, ps.c.Page, errStuck)
		default:
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

// records turns items into records. Deleted and archived deals (by phase
// or by flag) and activities flagged is_deleted are deletes carrying ID
// and Version only.
func (ps *pass) records(items []item) []pipeline.Record {
	out := make([]pipeline.Record, 0, len(items))
	for i := range items {
		it := &items[i]
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
		if ps.c.Phase == phaseDeleted || ps.c.Phase == phaseArchived || it.IsDeleted == true || it.IsArchived == true {
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
