package hubspot

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/tally-dev/tally/pipeline"
)

// page is a list or search answer.
type page struct {
	Total   *int   `json:"total"`
	Results []item `json:"results"`
	Paging  *struct {
		Next *struct {
			After string `json:"after"`
		} `json:"next"`
	} `json:"paging"`
}

func (pg *page) next() string {
	if pg.Paging == nil || pg.Paging.Next == nil {
		return ""
	}
	return pg.Paging.Next.After
}

// item is an object (properties) or an owner (top-level attributes).
type item struct {
	ID         string         `json:"id"`
	Properties map[string]any `json:"properties"`
	CreatedAt  string         `json:"createdAt"`
	UpdatedAt  string         `json:"updatedAt"`
	Archived   bool           `json:"archived"`
	ArchivedAt string         `json:"archivedAt"`
	Email      any            `json:"email"`
	FirstName  any            `json:"firstName"`
	LastName   any            `json:"lastName"`
}

// decodePage accepts a body only if it has a results array.
func decodePage(dst *page) func([]byte) error {
	return func(b []byte) error {
		var pg page
		if err := json.Unmarshal(b, &pg); err != nil {
			return err
		}
		if pg.Results == nil && !bytes.Contains(b, []byte(`"results"`)) {
			return errors.New("no results")
		}
		*dst = pg
		return nil
	}
}

// records turns a page into records; deletes carry ID and Version only.
func (ps *pass) records(items []item, deletes bool) []pipeline.Record {
	out := make([]pipeline.Record, 0, len(items))
	for i := range items {
		it := &items[i]
		r := pipeline.Record{
			Tenant: ps.s.env.Tenant, Source: ps.s.env.Name, Object: ps.p.canonical,
			ID: it.ID, Op: pipeline.OpUpsert,
		}
		r.Version, _ = parseInstant(it.UpdatedAt)
		if deletes {
			r.Op = pipeline.OpDelete
			if t, ok := parseInstant(it.ArchivedAt); ok {
				r.Version = t
			}
			out = append(out, r)
			continue
		}
		r.Fields = make(map[string]any, len(ps.p.fields))
		for _, f := range ps.p.fields {
			r.Fields[f.canonical] = value(f, it, ps.p.canonical == "user")
		}
		out = append(out, r)
	}
	return out
}

// value reads a field from a property, or for owners from an attribute.
func value(f field, it *item, owner bool) any {
	if !owner {
		return parse(f.kind, it.Properties[f.prop])
	}
	switch f.prop {
	case "email":
		return parse(f.kind, it.Email)
	case "firstName":
		return parse(f.kind, it.FirstName)
	case "lastName":
		return parse(f.kind, it.LastName)
	case "archived":
		return !it.Archived
	case "createdAt":
		return parse(f.kind, it.CreatedAt)
	}
	return nil
}
