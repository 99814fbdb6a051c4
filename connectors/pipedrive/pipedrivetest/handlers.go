package pipedrivetest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// maxLimit is the v2 page size cap; limit defaults to 100.
const maxLimit = 500

// deletedFor is how long status=deleted still lists a deleted deal.
const deletedFor = 30 * 24 * time.Hour

// encodeCursor makes an opaque cursor the way the sample's looks:
// unpadded base64 of a small JSON object naming the last id served.
func encodeCursor(key string, last int) string {
	b, _ := json.Marshal(map[string]int{key: last})
	return base64.RawStdEncoding.EncodeToString(b)
}

func decodeCursor(key, s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	var m map[string]int
	if json.Unmarshal(b, &m) != nil {
		return 0, false
	}
	v, ok := m[key]
	return v, ok && v >= 0
}

// dealQuery is a parsed deals listing request.
type dealQuery struct {
	archived     bool
	status       string
	since, until time.Time
	start, limit int
}

func parseDealQuery(q url.Values, archived bool) (dealQuery, string) {
	dq := dealQuery{archived: archived, status: q.Get("status"), limit: 100}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return dq, "Validation failed: limit: Must be an integer between 1 and 500"
		}
		dq.limit = n
	}
	start, ok := decodeCursor(cursorKey(archived), q.Get("cursor"))
	if !ok {
		return dq, "Validation failed: cursor: Invalid cursor"
	}
	dq.start = start
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"updated_since", &dq.since}, {"updated_until", &dq.until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return dq, "Validation failed: " + p.name + ": Must be in RFC3339 format"
			}
			*p.dst = t
		}
	}
	switch dq.status {
	case "", "open", "won", "lost", "deleted":
	default:
		return dq, "Validation failed: status: Must be one of open, won, lost, deleted"
	}
	if s := q.Get("sort_by"); s != "" && s != "id" {
		return dq, "Validation failed: sort_by: this fake serves sort_by=id only"
	}
	if s := q.Get("sort_direction"); s != "" && s != "asc" {
		return dq, "Validation failed: sort_direction: this fake serves asc only"
	}
	return dq, ""
}

func cursorKey(archived bool) string {
	if archived {
		return "archived_deals"
	}
	return "deals"
}

// match reports whether deal i belongs in the listing; the caller holds
// s.ds.mu.
func (s *Server) match(dq dealQuery, i int) bool {
	at, deleted, archived := s.ds.updated(i)
	switch {
	case !dq.since.IsZero() && at.Before(dq.since):
		return false
	case !dq.until.IsZero() && !at.Before(dq.until):
		return false
	case dq.archived:
		return archived && !deleted
	case dq.status == "deleted":
		return deleted && !archived && s.opts.Now().Sub(at) <= deletedFor
	case deleted || archived:
		return false
	case dq.status != "":
		return s.ds.deal(i).Status == dq.status
	}
	return true
}

// candidates returns the deal indices from start on that may match, in
// id order: deleted and archived deals exist only in the overlay, so
// their listings need not scan every deal. The caller holds s.ds.mu.
func (s *Server) candidates(dq dealQuery) func(yield func(int) bool) {
	if dq.archived || dq.status == "deleted" {
		var idx []int
		for i := range s.ds.over {
			if i >= dq.start {
				idx = append(idx, i)
			}
		}
		slices.Sort(idx)
		return slices.Values(idx)
	}
	return func(yield func(int) bool) {
		for i := dq.start; i < s.ds.n(); i++ {
			if !yield(i) {
				return
			}
		}
	}
}

// deals serves GET /api/v2/deals and GET /api/v2/deals/archived.
func (s *Server) deals(w http.ResponseWriter, r *http.Request, archived bool) {
	dq, problem := parseDealQuery(r.URL.Query(), archived)
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	listing := r.URL.Path + "?" + dq.status
	if s.ignoresFilters() {
		dq.status, dq.archived = "", false
	}
	s.ds.mu.RLock()
	data := make([]any, 0, min(dq.limit, 100))
	next, last := "", 0
	for i := range s.candidates(dq) {
		if !s.match(dq, i) {
			continue
		}
		if len(data) == dq.limit {
			next = encodeCursor(cursorKey(archived), last)
			break
		}
		data = append(data, s.ds.deal(i))
		last = i + 1
	}
	s.ds.mu.RUnlock()
	next = s.cursorAfter(listing, cursorKey(archived), dq.start, last, next)
	writeJSON(w, http.StatusOK, listBody(data, next))
}

// users serves GET /v1/users: every user in one answer, as the v1
// endpoint does.
func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	data := make([]any, 0, s.ds.sizes.Users)
	for i := range s.ds.sizes.Users {
		data = append(data, s.ds.genUser(i))
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": data})
}
