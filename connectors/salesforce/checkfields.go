package salesforce

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.FieldChecker = (*Source)(nil)

// reasonInvalid is why a field Salesforce refused is unverified: the
// query answers INVALID_FIELD both for a field the org does not have
// and for one field-level security hides from the integration user.
const reasonInvalid = "INVALID_FIELD: not in the org or hidden from this user by field-level security"

// CheckFields tells which Salesforce fields behind the projection this
// user can read. Per sObject it sends one SELECT of those fields with
// LIMIT 1 (its record, if any, is discarded); when Salesforce answers
// INVALID_FIELD, one such query per field tells which. It reads /query
// only, within AllowList, so describe access is not needed, and it sees
// what a pass would: a field hidden by field-level security is as
// missing as a field the org does not have. Fields filled from the
// configuration (currency without multi_currency) are omitted; fields
// Salesforce has no counterpart for are reported unverified.
func (s *Source) CheckFields(ctx context.Context) ([]pipeline.FieldStatus, error) {
	client, err := s.rest()
	if err != nil {
		return nil, err
	}
	var out []pipeline.FieldStatus
	for _, o := range s.objects {
		unsupported := map[string]bool{}
		for _, p := range s.plans[o] {
			refused, err := s.refusedFields(ctx, client, p)
			if err != nil {
				return nil, fmt.Errorf("salesforce: checking %s fields: %w", p.name, err)
			}
			for _, f := range p.fields {
				for _, a := range f.api {
					out = append(out, pipeline.CheckedField(o, f.canonical, p.name+"."+a, !refused[a], reasonInvalid))
				}
			}
			for _, u := range p.unsupported {
				unsupported[u] = true
			}
		}
		out = pipeline.AppendUnmapped(out, o, slices.Sorted(maps.Keys(unsupported)), "no salesforce field maps to it")
	}
	pipeline.SortFieldStatuses(out)
	return out, nil
}

// refusedFields returns the API fields of p that Salesforce refuses.
func (s *Source) refusedFields(ctx context.Context, client *crmhttp.Client, p *plan) (map[string]bool, error) {
	var api []string
	for _, f := range p.fields {
		for _, a := range f.api {
			if !slices.Contains(api, a) {
				api = append(api, a)
			}
		}
	}
	refused := map[string]bool{}
	if len(api) == 0 {
		return refused, nil
	}
	ok, err := s.probe(ctx, client, p, api)
	if ok || err != nil {
		return refused, err
	}
	for _, a := range api {
		ok, err := s.probe(ctx, client, p, []string{a})
		if err != nil {
			return nil, err
		}
		refused[a] = !ok
	}
	return refused, nil
}

// probe queries fields of p's sObject, at most one record. ok is false
// when Salesforce answers INVALID_FIELD; other failures are errors.
func (s *Source) probe(ctx context.Context, client *crmhttp.Client, p *plan, fields []string) (bool, error) {
	q := "SELECT Id, " + strings.Join(fields, ", ") + " FROM " + p.name + " LIMIT 1"
	req := crmhttp.Request{Method: http.MethodGet, Path: "/services/data/" + s.cfg.APIVersion + "/query", Query: url.Values{"q": {q}}}
	var pg page
	code, err := s.do(ctx, client, req, &pg)
	if code == "INVALID_FIELD" {
		return false, nil
	}
	return err == nil, err
}
