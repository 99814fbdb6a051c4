package bullhorntest

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// MaxCount is the largest page Bullhorn serves; a bigger count is capped.
const MaxCount = 500

// fieldsOf lists the top-level fields of each entity, for where clauses
// and fields selection; associations are listed with their subfields.
var fieldsOf = [...]map[string][]string{
	users: {"id": nil, "firstName": nil, "lastName": nil, "name": nil, "email": nil, "phone": nil, "username": nil,
		"enabled": nil, "isDeleted": nil, "userDateAdded": nil, "dateLastModified": nil},
	placements: {"id": nil, "candidate": {"id", "firstName", "lastName"}, "jobOrder": {"id", "title"},
		"owner": {"id", "firstName", "lastName"}, "status": nil, "employmentType": nil, "dateAdded": nil,
		"dateBegin": nil, "dateEnd": nil, "dateLastModified": nil, "clientBillRate": nil, "payRate": nil,
		"salary": nil, "salaryUnit": nil, "fee": nil, "comments": nil},
}

// selection is a parsed fields parameter: field → subfields (nil for
// the association's default subfields or a scalar).
type selection map[string][]string

// parseFields reads "id,owner(id),fee"; ok is false for unknown fields.
func parseFields(e entity, s string) (selection, bool) {
	sel := selection{}
	if strings.TrimSpace(s) == "*" {
		for f := range fieldsOf[e] {
			sel[f] = nil
		}
		return sel, true
	}
	depth, start := 0, 0
	parts := []string{}
	for i, c := range s + "," {
		switch {
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	for _, p := range parts {
		name, sub, nested := strings.Cut(p, "(")
		subs, known := fieldsOf[e][name]
		if !known {
			return nil, false
		}
		if nested {
			want := strings.Split(strings.TrimSuffix(sub, ")"), ",")
			for _, f := range want {
				if subs == nil || !contains(subs, strings.TrimSpace(f)) {
					return nil, false
				}
			}
			sel[name] = want
			continue
		}
		sel[name] = nil
	}
	sel["id"] = nil // always returned
	return sel, true
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// project keeps the selected fields of a full record.
func project(r map[string]any, sel selection) map[string]any {
	out := make(map[string]any, len(sel))
	for f, subs := range sel {
		v := r[f]
		assoc, ok := v.(map[string]any)
		if ok && subs != nil {
			m := map[string]any{"id": assoc["id"]}
			for _, s := range subs {
				m[strings.TrimSpace(s)] = assoc[strings.TrimSpace(s)]
			}
			v = m
		}
		out[f] = v
	}
	return out
}

// query serves GET {restUrl}query/{entity}: where and fields are
// required; orderBy may be "dateLastModified,id" or "id" (ascending);
// start and count page, count capped at 500.
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	e, ok := entityOf(r.PathValue("entity"))
	if !ok || r.PathValue("entity") != entityNames[e] {
		writeError(w, http.StatusNotFound, "errors.unknownEntity", "Unknown entity type.")
		return
	}
	q := r.URL.Query()
	sel, ok := parseFields(e, q.Get("fields"))
	if q.Get("fields") == "" || !ok {
		writeError(w, http.StatusBadRequest, "errors.invalidField", "Invalid or missing fields parameter.")
		return
	}
	known := map[string]bool{}
	for f := range fieldsOf[e] {
		known[f] = true
	}
	where, err := parseWhere(q.Get("where"), known)
	if err != nil {
		writeError(w, http.StatusBadRequest, "errors.invalidQuery", "Invalid where clause.")
		return
	}
	start, _ := strconv.Atoi(q.Get("start"))
	count, err := strconv.Atoi(q.Get("count"))
	if err != nil || count <= 0 {
		count = 20
	}
	count = min(count, MaxCount)
	order := strings.ReplaceAll(q.Get("orderBy"), " ", "")
	var ids []int
	switch order {
	case "dateLastModified,id", "dateLastModified", "":
		ids = s.matchByModified(e, where)
	case "id":
		ids = s.matchByID(e, where)
	default:
		writeError(w, http.StatusBadRequest, "errors.invalidOrderBy", "Unsupported orderBy.")
		return
	}
	if from, ok := s.cycling(count); ok {
		start, ids = from, s.matchByModified(e, and{})
	}
	data := []any{}
	s.ds.mu.RLock()
	for k := start; k < len(ids) && k < start+count; k++ {
		data = append(data, project(s.ds.record(e, ids[k]), sel))
	}
	s.ds.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"total": len(ids), "start": start, "count": len(data), "data": data})
}

// matchByModified returns the indices matching where, by
// (dateLastModified, id), starting the scan at the where clause's lower
// bound on dateLastModified.
func (s *Server) matchByModified(e entity, where cond) []int {
	idx := s.ds.sorted(e)
	from := 0
	if lo, ok := where.lower("dateLastModified"); ok {
		from = sort.Search(len(idx), func(k int) bool { return idx[k].mod >= lo })
	}
	s.ds.mu.RLock()
	defer s.ds.mu.RUnlock()
	var out []int
	for _, en := range idx[from:] {
		if where.eval(s.ds.lazy(e, en.i, en.mod)) {
			out = append(out, en.i)
		}
	}
	return out
}

// matchByID returns the indices matching where in id order, starting at
// the where clause's lower bound on id.
func (s *Server) matchByID(e entity, where cond) []int {
	s.ds.mu.RLock()
	defer s.ds.mu.RUnlock()
	from := 0
	if lo, ok := where.lower("id"); ok {
		from = max(int(lo)-idBase[e], 0)
	}
	var out []int
	for i := from; i < s.ds.n(e); i++ {
		if s.ds.live(e, i) && where.eval(s.ds.lazy(e, i, -1)) {
			out = append(out, i)
		}
	}
	return out
}

// lazy returns a field reader of record i that computes the full record
// only for fields other than id and dateLastModified (mod, when not -1);
// the caller holds s.ds.mu.
func (d *Dataset) lazy(e entity, i int, mod int64) func(string) any {
	var full map[string]any
	return func(f string) any {
		switch {
		case f == "id":
			return idBase[e] + i
		case f == "dateLastModified" && mod >= 0:
			return mod
		}
		if full == nil {
			full = d.record(e, i)
		}
		return full[f]
	}
}
