package hubspottest

import (
	"maps"
	"net/http"
	"slices"
)

// CycleCursors makes every listing's paging cursor repeat from now on:
// the first page hands out cursor A, the page at A hands out B, and the
// page at B hands out A again, forever, every page still holding
// records (the paging cycle a broken or hostile server can produce).
func (s *Server) CycleCursors() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycle, s.cycleFirst = true, map[string]int{}
}

// IgnoreArchivedFlag makes list and owners requests with archived=true
// answer the live records, as a server (or proxy) that drops the flag
// would: their items say "archived": false.
func (s *Server) IgnoreArchivedFlag() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignoreArchived = true
}

func (s *Server) ignoresArchived() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ignoreArchived
}

// paging is the paging of a page of the listing key that started at
// offset start and ends before next; in cycle mode the cursors go
// A → B → A.
func (s *Server) paging(key string, start, next int, more bool) *pagingJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.cycle {
		return paging(next, more)
	}
	first, ok := s.cycleFirst[key]
	switch {
	case start == 0:
		s.cycleFirst[key] = next
		return paging(next, more)
	case !ok:
		s.cycleFirst[key] = start
		return paging(next, true)
	case start == first:
		return paging(next, true)
	}
	return paging(first, true)
}

// propertyJSON is Property, reduced to what clients read.
type propertyJSON struct {
	Name      string `json:"name"`
	Label     string `json:"label"`
	Type      string `json:"type"`
	FieldType string `json:"fieldType"`
	GroupName string `json:"groupName"`
	Hidden    bool   `json:"hidden"`
	Archived  bool   `json:"archived"`
}

// schema is every property the fake portal defines, with its type.
var schema = [...]map[string]string{
	contacts: {
		"firstname": "string", "lastname": "string", "email": "string", "phone": "string", "company": "string",
		"lifecyclestage": "enumeration", "hs_analytics_source": "enumeration", "hubspot_owner_id": "enumeration",
		"hs_lifecyclestage_marketingqualifiedlead_date": "datetime",
		"createdate": "datetime", "lastmodifieddate": "datetime", "hs_object_id": "number",
	},
	deals: {
		"dealname": "string", "description": "string", "dealstage": "enumeration", "pipeline": "enumeration",
		"hs_is_closed_won": "bool", "hs_is_closed": "bool", "amount": "number", "deal_currency_code": "enumeration",
		"closedate": "datetime", "hubspot_owner_id": "enumeration",
		"createdate": "datetime", "hs_lastmodifieddate": "datetime", "hs_object_id": "number",
	},
}

// properties serves GET /crm/v3/properties/{object}: every property of
// the object the portal defines (DropProperty removes one).
func (s *Server) properties(w http.ResponseWriter, r *http.Request) {
	k, ok := objectKind(r.PathValue("object"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from the path")
		return
	}
	s.ds.mu.RLock()
	defer s.ds.mu.RUnlock()
	var out []any
	for _, name := range slices.Sorted(maps.Keys(schema[k])) {
		if s.ds.dropped[k][name] {
			continue
		}
		typ := schema[k][name]
		field := map[string]string{"string": "text", "enumeration": "select", "datetime": "date", "number": "number", "bool": "booleancheckbox"}[typ]
		out = append(out, propertyJSON{Name: name, Label: name, Type: typ, FieldType: field, GroupName: names[k][:len(names[k])-1] + "information"})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}
