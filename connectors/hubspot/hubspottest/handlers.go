package hubspottest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// objectJSON is SimplePublicObject: every property value is a string.
type objectJSON struct {
	ID         string         `json:"id"`
	Properties map[string]any `json:"properties"`
	CreatedAt  string         `json:"createdAt"`
	UpdatedAt  string         `json:"updatedAt"`
	Archived   bool           `json:"archived"`
	ArchivedAt string         `json:"archivedAt,omitempty"`
}

type teamJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Primary bool   `json:"primary"`
}

// ownerJSON is PublicOwner: userId is a number, id a string.
type ownerJSON struct {
	ID                      string     `json:"id"`
	Email                   string     `json:"email"`
	Type                    string     `json:"type"`
	FirstName               string     `json:"firstName"`
	LastName                string     `json:"lastName"`
	UserID                  int        `json:"userId"`
	UserIDIncludingInactive int        `json:"userIdIncludingInactive"`
	CreatedAt               string     `json:"createdAt"`
	UpdatedAt               string     `json:"updatedAt"`
	Archived                bool       `json:"archived"`
	Teams                   []teamJSON `json:"teams"`
}

type nextJSON struct {
	After string `json:"after"`
	Link  string `json:"link"`
}

type pagingJSON struct {
	Next nextJSON `json:"next"`
}

// listJSON is a forward-paging collection; Paging is absent on the last
// page.
type listJSON struct {
	Results []any       `json:"results"`
	Paging  *pagingJSON `json:"paging,omitempty"`
}

var defaultProps = [...][]string{
	contacts: {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
	deals:    {"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"},
}

// objectKind accepts the object names and type ids of the objects API.
func objectKind(s string) (kind, bool) {
	switch s {
	case "deals", "0-3":
		return deals, true
	case "contacts", "0-1":
		return contacts, true
	}
	return 0, false
}

// encodeAfter makes an opaque cursor the way HubSpot's look:
// URL-escaped base64 of a number and a newline.
func encodeAfter(n int) string {
	return url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(n) + "\n")))
}

func decodeAfter(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	if u, err := url.QueryUnescape(s); err == nil {
		s = u
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return n, err == nil && n >= 0
}

func paging(next int, more bool) *pagingJSON {
	if !more {
		return nil
	}
	a := encodeAfter(next)
	return &pagingJSON{Next: nextJSON{After: a, Link: "?after=" + a}}
}

// limitParam reads limit with a default; values above hi are clamped.
func limitParam(q url.Values, def, hi int) (int, bool) {
	v := q.Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return min(n, hi), err == nil && n > 0
}

// propsParam reads properties, repeated or comma-separated; nil means
// not given.
func propsParam(q url.Values) []string {
	var out []string
	for _, v := range q["properties"] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// object renders record i of k with the requested properties (the
// default set when none are named) plus, as HubSpot does, hs_object_id,
// createdate and the last-modified property. The caller holds ds.mu.
func (s *Server) object(k kind, i int, props []string) objectJSON {
	r := s.ds.record(k, i)
	if len(props) == 0 {
		props = defaultProps[k]
	}
	sel := make(map[string]any, len(props)+3)
	m := s.ds.over[k][i]
	for _, list := range [][]string{props, {"hs_object_id", "createdate", modProp[k]}} {
		for _, p := range list {
			if s.ds.dropped[k][p] {
				continue
			}
			if v, ok := r.props[p]; ok {
				sel[p] = v
			}
			if m != nil && m.raw[p] != nil {
				sel[p] = json.RawMessage(m.raw[p])
			}
		}
	}
	o := objectJSON{ID: r.id, Properties: sel, CreatedAt: iso(r.created), UpdatedAt: iso(r.modified)}
	if !r.archivedAt.IsZero() {
		o.Archived, o.ArchivedAt = true, iso(r.archivedAt)
	}
	return o
}

func (d *Dataset) isArchived(k kind, i int) bool {
	m := d.over[k][i]
	return m != nil && !m.archivedAt.IsZero()
}

// page picks up to limit indices from start on, either the live or the
// archived records, and the index the next page starts at.
func (d *Dataset) page(k kind, start, limit int, archived bool) (idx []int, next int, more bool) {
	if archived {
		all := d.archived(k)
		pos, _ := slices.BinarySearch(all, start)
		end := min(pos+limit, len(all))
		if end < len(all) {
			return all[pos:end], all[end], true
		}
		return all[pos:end], 0, false
	}
	n := d.n(k)
	i := start
	for ; i < n && len(idx) < limit; i++ {
		if !d.isArchived(k, i) {
			idx = append(idx, i)
		}
	}
	for ; i < n; i++ {
		if !d.isArchived(k, i) {
			return idx, i, true
		}
	}
	return idx, 0, false
}

// list serves GET /crm/v3/objects/{object}.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	k, ok := objectKind(r.PathValue("object"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from the path")
		return
	}
	q := r.URL.Query()
	limit, okLimit := limitParam(q, 10, 100)
	start, okAfter := decodeAfter(q.Get("after"))
	if !okLimit || !okAfter {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input: limit or after")
		return
	}
	props := propsParam(q)
	archived := q.Get("archived") == "true" && !s.ignoresArchived()
	s.ds.mu.RLock()
	idx, next, more := s.ds.page(k, start, limit, archived)
	out := listJSON{Results: make([]any, 0, len(idx)), Paging: s.paging(r.URL.Path+q.Get("archived"), start, next, more)}
	for _, i := range idx {
		out.Results = append(out.Results, s.object(k, i, props))
	}
	s.ds.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

// owners serves GET /crm/v3/owners.
func (s *Server) owners(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, okLimit := limitParam(q, 100, 500)
	start, okAfter := decodeAfter(q.Get("after"))
	if !okLimit || !okAfter {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input: limit or after")
		return
	}
	email := q.Get("email")
	archived := q.Get("archived") == "true" && !s.ignoresArchived()
	s.ds.mu.RLock()
	defer s.ds.mu.RUnlock()
	idx, next, more := s.ds.page(owners, start, limit, archived)
	out := listJSON{Results: make([]any, 0, len(idx)), Paging: s.paging(r.URL.Path+q.Get("archived"), start, next, more)}
	for _, i := range idx {
		rec := s.ds.record(owners, i)
		o := rec.owner
		if email != "" && !strings.EqualFold(email, o.email) {
			continue
		}
		j := ownerJSON{
			ID: rec.id, Email: o.email, Type: "PERSON", FirstName: o.first, LastName: o.last,
			UserID: o.userID, UserIDIncludingInactive: o.userID,
			CreatedAt: iso(rec.created), UpdatedAt: iso(rec.modified),
			Archived: !rec.archivedAt.IsZero(), Teams: []teamJSON{},
		}
		for t, name := range o.teams {
			j.Teams = append(j.Teams, teamJSON{ID: strconv.Itoa(178588 + slices.Index(teams, name)), Name: name, Primary: t == 0})
		}
		out.Results = append(out.Results, j)
	}
	writeJSON(w, http.StatusOK, out)
}
