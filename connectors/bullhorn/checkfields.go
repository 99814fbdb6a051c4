package bullhorn

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.FieldChecker = (*Source)(nil)

// reasonRefused is why a field Bullhorn refused is unverified.
const reasonRefused = "the query api refused the field (not on the entity, or not visible to this api user)"

// CheckFields tells which Bullhorn fields behind the projection exist.
// The meta API is not on the allow-list, so per entity it sends the
// query a pass sends, for at most one record (discarded); Bullhorn
// refuses a query naming a field the entity does not have, so when it
// refuses, one query per field tells which. The configured currency is
// omitted (it is not a Bullhorn field); projected fields Bullhorn has
// no counterpart for, or tally never pulls, are reported unverified.
func (s *Source) CheckFields(ctx context.Context) ([]pipeline.FieldStatus, error) {
	var out []pipeline.FieldStatus
	for _, o := range s.objects {
		p := s.plans[o]
		refused, err := s.refusedFields(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("bullhorn: checking %s fields: %w", p.entity, err)
		}
		for _, f := range p.fields {
			if f.kind == constant {
				continue
			}
			out = append(out, pipeline.CheckedField(o, f.canonical, p.entity+"."+f.bh, !refused[f.bh], reasonRefused))
		}
		out = pipeline.AppendUnmapped(out, o, p.unsupported, "no bullhorn field maps to it, or tally never pulls it")
	}
	pipeline.SortFieldStatuses(out)
	return out, nil
}

// refusedFields returns the Bullhorn fields of p the query API refuses.
func (s *Source) refusedFields(ctx context.Context, p *plan) (map[string]bool, error) {
	refused := map[string]bool{}
	ok, err := s.probe(ctx, p, p.request)
	if ok || err != nil {
		return refused, err
	}
	for _, f := range p.fields {
		if f.kind == constant {
			continue
		}
		name := f.bh
		if f.kind == assocID {
			name += "(id)"
		}
		ok, err := s.probe(ctx, p, "id,"+name)
		if err != nil {
			return nil, err
		}
		refused[f.bh] = !ok
	}
	return refused, nil
}

// probe queries fields of p's entity, at most one record. ok is false
// when Bullhorn refuses the query itself (a 4xx other than 401/403, as
// for an unknown field); credentials, quota and outage errors are
// returned.
func (s *Source) probe(ctx context.Context, p *plan, fields string) (bool, error) {
	q := url.Values{"where": {"id>0"}, "fields": {fields}, "start": {"0"}, "count": {"1"}}
	var pg page
	err := s.sess.get(ctx, "/query/"+p.entity, q, decodePage(&pg))
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil, errors.Is(err, pipeline.ErrConfig), errors.Is(err, pipeline.ErrTransient), errors.Is(err, pipeline.ErrQuota):
		return false, err
	}
	return false, nil
}
