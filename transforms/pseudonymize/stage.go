package pseudonymize

import (
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// Stage pseudonymizes record keys and person references. It is safe for
// concurrent use.
type Stage struct {
	k   *Keyring
	cat *schemas.Catalog
}

// New returns the pseudonymize stage; k and cat must not be nil.
func New(k *Keyring, cat *schemas.Catalog) *Stage {
	if k == nil || cat == nil {
		panic("pseudonymize: nil keyring or catalog")
	}
	return &Stage{k: k, cat: cat}
}

// Name returns "pseudonymize".
func (s *Stage) Name() string { return "pseudonymize" }

// Apply sets r.Key to the pseudonym of r.ID under the kind of the
// object's id field (the object name), clears r.ID, and replaces, in
// schema order, the value of every identifier field and every person
// field that refers to an object with the pseudonym of that value under
// the field's PseudonymKind. An empty string becomes nil (no reference).
//
// It returns pipeline.Invalid with rule "object" for an unknown object,
// "required" on field "id" when r.ID is empty, "type" when such a field
// holds something other than a string, and "unpseudonymized" when a
// person field without Refers is still present: minimize should have
// deleted it, and storing it raw is never allowed.
func (s *Stage) Apply(r *pipeline.Record) error {
	obj, ok := s.cat.Object(r.Object)
	if !ok {
		return pipeline.Invalid("", "object")
	}
	if r.ID == "" {
		return pipeline.Invalid("id", "required")
	}
	for _, f := range obj.Fields {
		if f.Class != schemas.Identifier && f.Class != schemas.Person {
			continue
		}
		v, present := r.Fields[f.Name]
		if !present || v == nil {
			continue
		}
		if f.Class == schemas.Person && f.Refers == "" {
			return pipeline.Invalid(f.Name, "unpseudonymized")
		}
		str, ok := v.(string)
		if !ok {
			return pipeline.Invalid(f.Name, "type")
		}
		if str == "" {
			r.Fields[f.Name] = nil
			continue
		}
		r.Fields[f.Name] = s.k.Pseudonym(r.Tenant, f.PseudonymKind(r.Object), str)
	}
	r.Key = s.k.Pseudonym(r.Tenant, idKind(obj), r.ID)
	r.ID = ""
	return nil
}

// idKind is the pseudonym kind of an object's record ids: that of its
// id field, or the object name.
func idKind(obj *schemas.Object) string {
	if f, ok := obj.Field("id"); ok {
		return f.PseudonymKind(obj.Name)
	}
	return obj.Name
}
