package schemas

import (
	"fmt"
	"sort"
)

// Projection is, per canonical object, the set of fields tally needs and
// the KPIs or purposes that justify each one. It decides which fields a
// connector requests and which fields minimization keeps.
type Projection map[string]map[string][]string

// Fields returns the object's projected fields, sorted.
func (p Projection) Fields(object string) []string {
	var out []string
	for f := range p[object] {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Has reports whether the object's field is projected.
func (p Projection) Has(object, field string) bool {
	_, ok := p[object][field]
	return ok
}

// Objects returns the projected objects, sorted.
func (p Projection) Objects() []string {
	var out []string
	for o := range p {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

// Project computes the projection of the named KPIs over the given
// objects: every field a KPI reads, plus each object's id (the key every
// upsert and delete needs). Objects no KPI reads still get their id, so
// that they can be counted and deleted.
func (c *Catalog) Project(kpis []string, objects []string) (Projection, error) {
	p := Projection{}
	add := func(object, field, why string) {
		if p[object] == nil {
			p[object] = map[string][]string{}
		}
		p[object][field] = append(p[object][field], why)
	}
	for _, o := range objects {
		if _, ok := c.objects[o]; !ok {
			return nil, fmt.Errorf("unknown object %q", o)
		}
		add(o, "id", "record key")
	}
	for _, name := range kpis {
		k, ok := c.KPI(name)
		if !ok {
			return nil, fmt.Errorf("unknown kpi %q", name)
		}
		if _, ok := p[k.Object]; !ok {
			add(k.Object, "id", "record key")
		}
		for _, f := range k.Fields() {
			add(k.Object, f, "kpi "+k.Name)
		}
	}
	return p, nil
}
