package pipedrive

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.Checker = (*Source)(nil)

// Check proves the token by reading one deal (and the user list when
// users are pulled), discarding what it reads.
func (s *Source) Check(ctx context.Context) error {
	var pg page
	req := crmhttp.Request{Method: http.MethodGet, Path: "/api/v2/deals", Query: url.Values{"limit": {"1"}}}
	if err := s.client.Do(ctx, req, decodePage(&pg)); err != nil {
		return fmt.Errorf("checking deals: %w", err)
	}
	return nil
}

var _ pipeline.FieldChecker = (*Source)(nil)

// sampled are the Pipedrive fields each canonical field is read from,
// and the listing a sample record is read from, by object.
var sampled = map[string]struct {
	path  string
	props map[string][]string
}{
	"deal": {"/api/v2/deals", map[string][]string{
		"owner_id": {"owner_id"}, "stage": {"stage_id"}, "pipeline": {"pipeline_id"},
		"is_won": {"status"}, "is_closed": {"status"}, "amount": {"value"}, "currency": {"currency"},
		"close_date": {"close_time", "won_time", "expected_close_date"}, "created_at": {"add_time"},
	}},
	"activity": {"/api/v2/activities", map[string][]string{
		"owner_id": {"owner_id"}, "type": {"type"}, "occurred_at": {"due_date", "add_time"},
	}},
	"user": {"/v1/users", map[string][]string{
		"email": {"email"}, "is_active": {"active_flag"}, "created_at": {"created"},
	}},
}

// CheckFields reads one record of every pulled object (Pipedrive lists
// every field of a record, null or not) and reports which projected
// fields' Pipedrive fields it carries. A field read from several
// Pipedrive fields is verified when it carries all of them.
func (s *Source) CheckFields(ctx context.Context) ([]pipeline.FieldStatus, error) {
	var out []pipeline.FieldStatus
	for _, o := range s.objects {
		p, spec := s.plans[o], sampled[o]
		q := url.Values{"limit": {"1"}}
		if o == "user" {
			q = nil
		}
		var body struct {
			Data []map[string]json.RawMessage `json:"data"`
		}
		req := crmhttp.Request{Method: http.MethodGet, Path: spec.path, Query: q}
		if err := s.client.Do(ctx, req, func(b []byte) error { return json.Unmarshal(b, &body) }); err != nil {
			return nil, fmt.Errorf("sampling %s: %w", o, err)
		}
		for _, f := range p.fields {
			var missing []string
			for _, prop := range spec.props[f.canonical] {
				if len(body.Data) == 0 {
					break
				}
				if _, ok := body.Data[0][prop]; !ok {
					missing = append(missing, prop)
				}
			}
			var reason string
			switch {
			case len(body.Data) == 0:
				reason = "no " + o + " to sample"
			case len(missing) > 0:
				reason = "sampled " + o + " lacks " + strings.Join(missing, ", ")
			}
			out = append(out, pipeline.CheckedField(o, f.canonical, strings.Join(spec.props[f.canonical], ", "), reason == "", reason))
		}
		out = pipeline.AppendUnmapped(out, o, p.unsupported, "no pipedrive field maps to it")
	}
	pipeline.SortFieldStatuses(out)
	return out, nil
}
