package hubspottest

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// text is a JSON string that clients sometimes send as a number.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = text(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*t = text(n.String())
	return nil
}

type filterJSON struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        text   `json:"value"`
	HighValue    text   `json:"highValue"`
}

// sortJSON accepts the object form {"propertyName","direction"} that
// clients send and the string form the spec declares ("-prop" descends).
type sortJSON struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"`
}

func (s *sortJSON) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		s.PropertyName, s.Direction = strings.TrimPrefix(str, "-"), "ASCENDING"
		if strings.HasPrefix(str, "-") {
			s.Direction = "DESCENDING"
		}
		return nil
	}
	type plain sortJSON
	return json.Unmarshal(b, (*plain)(s))
}

type searchRequest struct {
	FilterGroups []struct {
		Filters []filterJSON `json:"filters"`
	} `json:"filterGroups"`
	Sorts      []sortJSON `json:"sorts"`
	Properties []string   `json:"properties"`
	Limit      int        `json:"limit"`
	After      text       `json:"after"`
	Query      string     `json:"query"`
}

type searchJSON struct {
	Total   int          `json:"total"`
	Results []objectJSON `json:"results"`
	Paging  *pagingJSON  `json:"paging,omitempty"`
}

// fields a search can filter and sort on, by position in a row.
const (
	fID = iota
	fModified
	fCreated
)

func searchField(k kind, prop string) (int, bool) {
	switch prop {
	case "hs_object_id":
		return fID, true
	case modProp[k]:
		return fModified, true
	case "createdate":
		return fCreated, true
	}
	return 0, false
}

// instant reads a filter value: epoch milliseconds or ISO 8601.
func instant(v text) (int64, bool) {
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, true
	}
	t, err := time.Parse(time.RFC3339Nano, string(v))
	return t.UnixMilli(), err == nil
}

// cond is one compiled filter.
type cond struct {
	field  int
	op     string
	lo, hi int64
}

func (c cond) holds(row [3]int64) bool {
	v := row[c.field]
	switch c.op {
	case "EQ":
		return v == c.lo
	case "NEQ":
		return v != c.lo
	case "GT":
		return v > c.lo
	case "GTE":
		return v >= c.lo
	case "LT":
		return v < c.lo
	case "LTE":
		return v <= c.lo
	}
	return v >= c.lo && v <= c.hi // BETWEEN
}

func compile(k kind, req *searchRequest) ([][]cond, string) {
	if len(req.FilterGroups) > 5 {
		return nil, "Too many filter groups; at most 5 are allowed"
	}
	var groups [][]cond
	total := 0
	for _, g := range req.FilterGroups {
		if total += len(g.Filters); len(g.Filters) > 10 || total > 25 {
			return nil, "Too many filters; at most 10 per group and 25 in total are allowed"
		}
		var cs []cond
		for _, f := range g.Filters {
			field, ok := searchField(k, f.PropertyName)
			if !ok || !slices.Contains([]string{"EQ", "NEQ", "GT", "GTE", "LT", "LTE", "BETWEEN"}, f.Operator) {
				return nil, "Unsupported filter: property or operator"
			}
			c := cond{field: field, op: f.Operator}
			lo, okLo := instant(f.Value)
			okHi := true
			c.lo = lo
			if f.Operator == "BETWEEN" {
				c.hi, okHi = instant(f.HighValue)
			}
			if !okLo || !okHi {
				return nil, "Invalid filter value: expected milliseconds or a valid date"
			}
			cs = append(cs, c)
		}
		groups = append(groups, cs)
	}
	return groups, ""
}

func matches(groups [][]cond, row [3]int64) bool {
	if len(groups) == 0 {
		return true
	}
	for _, g := range groups {
		ok := true
		for _, c := range g {
			if ok = c.holds(row); !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// search serves POST /crm/v3/objects/{object}/search. Archived records
// are never found. Paging past SearchCap results answers 400.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	k, ok := objectKind(r.PathValue("object"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from the path")
		return
	}
	var req searchRequest
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON")
		return
	}
	if req.Limit == 0 {
		req.Limit = 10
	}
	offset, okAfter := decodeAfter(string(req.After))
	groups, problem := compile(k, &req)
	switch {
	case req.Limit < 0 || req.Limit > 200:
		problem = "limit must be between 1 and 200"
	case !okAfter:
		problem = "Invalid input: after"
	case req.Query != "":
		problem = "query is not supported by this fake"
	case offset >= s.opts.SearchCap:
		problem = msgSearchCap
	}
	if problem != "" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", problem)
		return
	}
	sortField, desc := fID, false
	if len(req.Sorts) > 0 {
		f, ok := searchField(k, req.Sorts[0].PropertyName)
		if !ok {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unsupported sort property")
			return
		}
		sortField, desc = f, req.Sorts[0].Direction == "DESCENDING"
	}

	s.ds.mu.RLock()
	defer s.ds.mu.RUnlock()
	type hit struct{ key, id int64 }
	var hits []hit
	for i := range s.ds.n(k) {
		if s.ds.isArchived(k, i) {
			continue
		}
		created, modified, _ := s.ds.times(k, i)
		row := [3]int64{idBase[k] + int64(i), modified.UnixMilli(), created.UnixMilli()}
		if matches(groups, row) {
			hits = append(hits, hit{row[sortField], row[fID]})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		c := cmp.Compare(a.key, b.key)
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a.id, b.id)
		}
		return c
	})
	end := min(offset+req.Limit, len(hits))
	out := searchJSON{Total: len(hits), Results: []objectJSON{}, Paging: s.paging(r.URL.Path, offset, end, end < len(hits))}
	for _, h := range hits[min(offset, end):end] {
		out.Results = append(out.Results, s.object(k, int(h.id-idBase[k]), req.Properties))
	}
	writeJSON(w, http.StatusOK, out)
}
