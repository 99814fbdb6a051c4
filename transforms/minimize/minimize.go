package minimize

import (
	"errors"
	"fmt"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// Stage keeps, per object, only the projected fields that may be stored.
// It is immutable after New and safe for concurrent use.
type Stage struct {
	keep map[string]map[string]bool
}

// New returns the minimize stage for the projection p of catalog cat. It
// returns an error wrapping pipeline.ErrConfig, listing every problem,
// when p names an object or field cat does not know, or a field that may
// not be stored (schemas.Field.Stored is false: contact PII, free text,
// secrets, person fields that refer to nothing).
func New(cat *schemas.Catalog, p schemas.Projection) (*Stage, error) {
	if cat == nil {
		return nil, fmt.Errorf("%w: minimize: nil catalog", pipeline.ErrConfig)
	}
	keep := make(map[string]map[string]bool, len(p))
	var errs []error
	for _, o := range p.Objects() {
		obj, ok := cat.Object(o)
		if !ok {
			errs = append(errs, fmt.Errorf("projection names unknown object %s", o))
			continue
		}
		fields := make(map[string]bool)
		for _, name := range p.Fields(o) {
			f, ok := obj.Field(name)
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("projection of %s names unknown field %s", o, name))
			case !f.Stored() && schemas.PurposeOnly(p[o][name]):
				// Pulled for a purpose whose stage captured it before
				// minimize (the identity vault); never kept in facts.
			case !f.Stored():
				errs = append(errs, fmt.Errorf("projection of %s names field %s of class %s, which may not be stored", o, name, f.Class))
			default:
				fields[name] = true
			}
		}
		keep[o] = fields
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: minimize: %w", pipeline.ErrConfig, errors.Join(errs...))
	}
	return &Stage{keep: keep}, nil
}

// Name returns "minimize".
func (s *Stage) Name() string { return "minimize" }

// Apply deletes from r.Fields every field that is not both projected for
// r.Object and storable. A delete keeps no fields at all (Fields becomes
// nil), and so does a record of an object outside the projection. Apply
// never fails; it touches nothing but Fields.
func (s *Stage) Apply(r *pipeline.Record) error {
	keep := s.keep[r.Object]
	if r.Op == pipeline.OpDelete || len(keep) == 0 {
		r.Fields = nil
		return nil
	}
	for name := range r.Fields {
		if !keep[name] {
			delete(r.Fields, name)
		}
	}
	return nil
}

// Keeps reports whether the stage keeps the field of object; the
// processing report and tests use it.
func (s *Stage) Keeps(object, field string) bool { return s.keep[object][field] }
