package marketotest

import (
	"encoding/base32"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const tokenLayout = "2006-01-02T15:04:05.000-0700"

// encodeToken writes a paging token the way Marketo's decode: base32 of
// "<activity date>,<activity id>" (activities-pagingtoken.response.json
// decodes to "2008-11-06T00:00:00.000+0000,0").
func encodeToken(p pos) string {
	s := time.Unix(p.sec, 0).UTC().Format(tokenLayout) + "," + strconv.Itoa(p.id)
	return base32.StdEncoding.EncodeToString([]byte(s))
}

func decodeToken(tok string) (pos, bool) {
	b, err := base32.StdEncoding.DecodeString(tok)
	if err != nil {
		return pos{}, false
	}
	at, id, ok := strings.Cut(string(b), ",")
	t, err1 := time.Parse(tokenLayout, at)
	n, err2 := strconv.Atoi(id)
	if !ok || err1 != nil || err2 != nil {
		return pos{}, false
	}
	return pos{t.Unix(), n}, true
}

func (s *Server) pagingToken(w http.ResponseWriter, r *http.Request) {
	since, err := time.Parse(time.RFC3339, r.URL.Query().Get("sinceDatetime"))
	if err != nil {
		writeError(w, "1001", "Invalid value for sinceDatetime. Required of type 'datetime'")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"requestId": requestID(), "success": true,
		"nextPageToken": encodeToken(pos{since.Unix(), 0})})
}

// pageParams reads nextPageToken and batchSize (default and maximum 300).
func pageParams(w http.ResponseWriter, r *http.Request) (pos, int, bool) {
	q := r.URL.Query()
	p, ok := decodeToken(q.Get("nextPageToken"))
	if !ok {
		writeError(w, "1001", "Invalid value for nextPageToken")
		return pos{}, 0, false
	}
	batch := 300
	if v := q.Get("batchSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 300 {
			writeError(w, "1001", "Invalid value for batchSize")
			return pos{}, 0, false
		}
		batch = n
	}
	return p, batch, true
}

// writePage answers a paged activities call: result is left out when
// empty, nextPageToken is always there. Once Cycle is on, the token
// alternates between two positions and moreResult stays true.
func (s *Server) writePage(w http.ResponseWriter, items []map[string]any, next pos, more bool) {
	s.mu.Lock()
	if s.cycle > 0 {
		s.cycle++
		next, more = pos{sec: 1_700_000_000, id: s.cycle % 2}, true
	}
	s.mu.Unlock()
	body := map[string]any{"requestId": requestID(), "success": true, "nextPageToken": encodeToken(next), "moreResult": more}
	if len(items) > 0 {
		body["result"] = items
	}
	writeJSON(w, http.StatusOK, body)
}

// activities pages the activity log after the token, keeping the listed
// types. Like Marketo, a page may hold fewer than batchSize activities
// while moreResult is true: a page scans at most twice batchSize.
func (s *Server) activities(w http.ResponseWriter, r *http.Request) {
	p, batch, ok := pageParams(w, r)
	if !ok {
		return
	}
	var types []int
	for _, v := range strings.Split(r.URL.Query().Get("activityTypeIds"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			writeError(w, "1003", "activityTypeIds required, up to 10 integers")
			return
		}
		types = append(types, n)
	}
	if len(types) > 10 {
		writeError(w, "1003", "activityTypeIds required, up to 10 integers")
		return
	}
	d := s.ds
	d.mu.RLock()
	defer d.mu.RUnlock()
	var items []map[string]any
	scanned, last := 0, p
	// typeID is the activity's type as the server knows it, whatever
	// SetActivityField made its activityTypeId say on the wire.
	take := func(at pos, a map[string]any, typeID int) bool {
		if scanned >= 2*batch || len(items) >= batch {
			return false
		}
		scanned++
		last = at
		if slices.Contains(types, typeID) {
			items = append(items, a)
		}
		return true
	}
	i := d.firstAfter(p)
	for ; i < d.sizes.Activities; i++ {
		t, _ := d.genActivity(i)["activityTypeId"].(int)
		if !take(pos{d.activityAt(i).Unix(), activityBase + i}, d.activity(i), t) {
			break
		}
	}
	k := 0
	for k < len(d.added) && !d.added[k].pos.after(p) {
		k++
	}
	if i == d.sizes.Activities {
		for ; k < len(d.added); k++ {
			t, _ := d.added[k].item["activityTypeId"].(int)
			if !take(d.added[k].pos, d.added[k].item, t) {
				break
			}
		}
	}
	s.writePage(w, items, last, i < d.sizes.Activities || k < len(d.added))
}

// deletedLeads pages the Delete Lead activities after the token.
func (s *Server) deletedLeads(w http.ResponseWriter, r *http.Request) {
	p, batch, ok := pageParams(w, r)
	if !ok {
		return
	}
	d := s.ds
	d.mu.RLock()
	defer d.mu.RUnlock()
	var items []map[string]any
	last, k := p, 0
	for k < len(d.deletes) && !d.deletes[k].pos.after(p) {
		k++
	}
	for ; k < len(d.deletes) && len(items) < batch; k++ {
		items = append(items, d.deletes[k].item)
		last = d.deletes[k].pos
	}
	s.writePage(w, items, last, k < len(d.deletes))
}

func (s *Server) activityTypes(w http.ResponseWriter, r *http.Request) {
	var out []map[string]any
	for _, t := range ActivityTypes {
		out = append(out, map[string]any{"id": t.ID, "name": t.Name, "description": t.Name,
			"primaryAttribute": map[string]any{"name": t.Primary, "dataType": "integer"}, "attributes": []map[string]any{}})
	}
	writeResult(w, out)
}

// leadsByID answers GET /rest/v1/leads.json?filterType=id (leads-by-
// filter.response.json); no match is success with an empty result.
func (s *Server) leadsByID(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("filterType") != "id" {
		writeError(w, "1003", "Unsupported filterType")
		return
	}
	fields := []string{"id", "updatedAt", "lastName", "email", "createdAt", "firstName"}
	if f := q.Get("fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	out := []map[string]any{}
	for _, v := range strings.Split(q.Get("filterValues"), ",") {
		n, err := strconv.Atoi(v)
		if err != nil || n < leadBase || n-leadBase >= s.ds.sizes.Leads {
			continue
		}
		all := s.ds.Lead(strconv.Itoa(n))
		if all == nil {
			continue
		}
		m := map[string]any{}
		for _, f := range fields {
			if v, ok := all[f]; ok {
				m[f] = v
			}
		}
		out = append(out, m)
	}
	writeResult(w, out)
}
