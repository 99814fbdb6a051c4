package marketotest

import (
	"net/http"
	"strings"
)

// describeLeads answers GET /rest/v1/leads/describe.json (Describe
// Lead): one result per lead field the fake has, in Marketo's shape (an
// id, a display name, a data type, and the field's REST and SOAP names).
// HiddenLeadFields are left out, as fields the API user may not see.
func (s *Server) describeLeads(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	hidden := s.hidden
	s.mu.Unlock()
	var out []map[string]any
	for i, f := range LeadFields {
		if hidden[f] {
			continue
		}
		typ := "string"
		if strings.HasSuffix(f, "At") || strings.HasSuffix(f, "Date") {
			typ = "datetime"
		}
		out = append(out, map[string]any{"id": 1 + i, "displayName": f, "dataType": typ,
			"rest": map[string]any{"name": f, "readOnly": f == "id" || strings.HasSuffix(f, "At")},
			"soap": map[string]any{"name": f, "readOnly": f == "id" || strings.HasSuffix(f, "At")}})
	}
	writeResult(w, out)
}

// HideLeadField leaves a lead field out of Describe Lead, as for a field
// the subscription does not have.
func (s *Server) HideLeadField(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hidden == nil {
		s.hidden = map[string]bool{}
	}
	s.hidden[name] = true
}
