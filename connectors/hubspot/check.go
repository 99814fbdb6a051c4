package hubspot

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

// Check reads one record of every pulled object, with the projected
// properties, and discards it: it proves the token, its scopes and the
// property names without pulling anything.
func (s *Source) Check(ctx context.Context) error {
	for _, o := range s.objects {
		p := s.plans[o]
		q := url.Values{"limit": {"1"}}
		if len(p.props) > 0 {
			q.Set("properties", strings.Join(p.props, ","))
		}
		var pg page
		req := crmhttp.Request{Method: http.MethodGet, Path: p.path, Query: q}
		if err := s.client.Do(ctx, req, decodePage(&pg)); err != nil {
			return fmt.Errorf("checking %s: %w", p.name, err)
		}
	}
	return nil
}

var _ pipeline.FieldChecker = (*Source)(nil)

// CheckFields reports, per pulled object, which projected fields' HubSpot
// properties exist: for deals and contacts by the properties API (GET
// /crm/v3/properties/{object}), for owners, whose attributes are fixed,
// by one sampled owner. Projected fields HubSpot has no property for are
// reported unverified too.
func (s *Source) CheckFields(ctx context.Context) ([]pipeline.FieldStatus, error) {
	var out []pipeline.FieldStatus
	for _, o := range s.objects {
		p := s.plans[o]
		known, reason, err := s.knownProps(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("checking %s properties: %w", p.name, err)
		}
		for _, f := range p.fields {
			out = append(out, pipeline.CheckedField(o, f.canonical, f.prop, known[f.prop], reason))
		}
		out = pipeline.AppendUnmapped(out, o, p.unsupported, "no hubspot property maps to it")
	}
	pipeline.SortFieldStatuses(out)
	return out, nil
}

// knownProps returns the properties HubSpot reports for p's object, and
// the reason a property missing from them is unverified.
func (s *Source) knownProps(ctx context.Context, p *plan) (map[string]bool, string, error) {
	known := map[string]bool{}
	if p.modified == "" { // owners: sample one, read its attributes
		var body struct {
			Results []map[string]json.RawMessage `json:"results"`
		}
		req := crmhttp.Request{Method: http.MethodGet, Path: p.path, Query: url.Values{"limit": {"1"}}}
		if err := s.client.Do(ctx, req, decodeJSON(&body)); err != nil {
			return nil, "", err
		}
		if len(body.Results) == 0 {
			return known, "no owner to sample", nil
		}
		for k := range body.Results[0] {
			known[k] = true
		}
		return known, "not an attribute of the sampled owner", nil
	}
	var body struct {
		Results []struct {
			Name     string `json:"name"`
			Archived bool   `json:"archived"`
		} `json:"results"`
	}
	req := crmhttp.Request{Method: http.MethodGet, Path: "/crm/v3/properties/" + p.name}
	if err := s.client.Do(ctx, req, decodeJSON(&body)); err != nil {
		return nil, "", err
	}
	for _, r := range body.Results {
		known[r.Name] = !r.Archived
	}
	return known, "not in the properties api", nil
}

func decodeJSON(dst any) func([]byte) error {
	return func(b []byte) error { return json.Unmarshal(b, dst) }
}
