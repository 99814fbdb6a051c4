package hubspot

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
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
// Every attribute is untyped and an item that is not an object decodes
// as empty, so that one malformed item never fails its page: its values
// go on raw, for pipeline.Preflight and the validate stage to quarantine
// the record by field and rule.
type item struct {
	ID         any `json:"id"`
	Properties any `json:"properties"`
	CreatedAt  any `json:"createdAt"`
	UpdatedAt  any `json:"updatedAt"`
	Archived   any `json:"archived"`
	ArchivedAt any `json:"archivedAt"`
	Email      any `json:"email"`
	FirstName  any `json:"firstName"`
	LastName   any `json:"lastName"`
}

// UnmarshalJSON decodes an item leniently: a value that is not a JSON
// object is an item without attributes (a record without an id, which
// validate rejects), not an error of the page.
func (it *item) UnmarshalJSON(b []byte) error {
	type plain item
	*it = item(crmhttp.Lenient[plain](b))
	return nil
}

// id reads the item's id: HubSpot sends a string; a number is read as
// its digits; anything else is "", which validate rejects.
func (it *item) id() string {
	switch v := it.ID.(type) {
	case string:
		return v
	case float64:
		if v == float64(int64(v)) {
			return strconv.FormatInt(int64(v), 10)
		}
	}
	return ""
}

// archived reports whether the item itself says it is archived.
func (it *item) archived() bool {
	switch v := it.Archived.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// prop returns one property's wire value, nil when absent.
func (it *item) prop(name string) any {
	props, _ := it.Properties.(map[string]any)
	return props[name]
}

// decodePage accepts a body only if it is JSON with a results array.
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
// An item of an archived listing that does not itself say archived is
// not a delete: it is skipped and counted in ps.notArchived.
func (ps *pass) records(items []item, deletes bool) []pipeline.Record {
	out := make([]pipeline.Record, 0, len(items))
	for i := range items {
		it := &items[i]
		if deletes && !it.archived() {
			ps.notArchived++
			continue
		}
		r := pipeline.Record{
			Tenant: ps.s.env.Tenant, Source: ps.s.env.Name, Object: ps.p.canonical,
			ID: it.id(), Op: pipeline.OpUpsert,
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
		ps.observe(it)
		out = append(out, r)
	}
	return out
}

// value reads a field from a property, or for owners from an attribute.
func value(f field, it *item, owner bool) any {
	if !owner {
		return parse(f.kind, it.prop(f.prop))
	}
	switch f.prop {
	case "email":
		return parse(f.kind, it.Email)
	case "firstName":
		return parse(f.kind, it.FirstName)
	case "lastName":
		return parse(f.kind, it.LastName)
	case "archived":
		v := parse(f.kind, it.Archived)
		if b, ok := v.(bool); ok {
			return !b
		}
		return v
	case "createdAt":
		return parse(f.kind, it.CreatedAt)
	}
	return nil
}

// observe notes which projected properties an upserted item carried
// (null counts: HubSpot sends every requested property that exists).
// Owners are not observed: their attributes are fixed by the API.
func (ps *pass) observe(it *item) {
	if ps.p.modified == "" {
		return
	}
	ps.upserts++
	props, _ := it.Properties.(map[string]any)
	for _, f := range ps.p.fields {
		if _, ok := props[f.prop]; ok {
			if ps.seen == nil {
				ps.seen = map[string]bool{}
			}
			ps.seen[f.prop] = true
		}
	}
}

// warnNeverSeen logs, once per complete pass, each projected property
// that no upserted record carried: a property the portal does not have
// (or the token cannot read) leaves its KPIs empty without an error.
func (ps *pass) warnNeverSeen() {
	if ps.upserts == 0 {
		return
	}
	for _, f := range ps.p.fields {
		if !ps.seen[f.prop] {
			ps.s.log.Warn("projected property never appeared in the pass; the kpis it feeds stay empty",
				"object", ps.p.canonical, "property", f.prop, "field", f.canonical,
				"kpis", schemas.Default().KPIsReading(ps.p.canonical, f.canonical), "count", ps.upserts)
		}
	}
}
