package schemas

import (
	"errors"
	"fmt"
	"sort"
)

// KPI is a daily rollup of one object: per tenant, day, rep (optional)
// and dimension (optional), a count or a sum of Value in Currency, over
// the records for which When (a bool field) is true, or all records when
// When is empty.
type KPI struct {
	Name      string `yaml:"name"`
	Object    string `yaml:"object"`
	Doc       string `yaml:"doc"`
	Rep       string `yaml:"rep,omitempty"`
	Dimension string `yaml:"dimension,omitempty"`
	Day       string `yaml:"day"`
	When      string `yaml:"when,omitempty"`
	Measure   string `yaml:"measure"`
	Value     string `yaml:"value,omitempty"`
	Currency  string `yaml:"currency,omitempty"`
	// ContactDerived marks a KPI that counts the customer's people
	// (leads, contacts, their activities) rather than the rep: analysts
	// see its rows only for groups of privacy.min_group_size records.
	ContactDerived bool `yaml:"contact_derived,omitempty"`
}

// Fields lists the object's fields the KPI reads.
func (k KPI) Fields() []string {
	var out []string
	for _, f := range []string{k.Rep, k.Dimension, k.Day, k.When, k.Value, k.Currency} {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// KPIs returns every KPI of the catalog, in file order.
func (c *Catalog) KPIs() []KPI { return append([]KPI(nil), c.kpis...) }

// KPI returns the named KPI.
func (c *Catalog) KPI(name string) (KPI, bool) {
	for _, k := range c.kpis {
		if k.Name == name {
			return k, true
		}
	}
	return KPI{}, false
}

// KPINames returns the names of every KPI, sorted.
func (c *Catalog) KPINames() []string {
	names := make([]string, len(c.kpis))
	for i, k := range c.kpis {
		names[i] = k.Name
	}
	sort.Strings(names)
	return names
}

func parseKPIs(data []byte, c *Catalog) ([]KPI, error) {
	var doc struct {
		KPIs []KPI `yaml:"kpis"`
	}
	if err := strictDecode(data, &doc); err != nil {
		return nil, err
	}
	var errs []error
	seen := map[string]bool{}
	for _, k := range doc.KPIs {
		if seen[k.Name] {
			errs = append(errs, fmt.Errorf("kpi %s defined twice", k.Name))
		}
		seen[k.Name] = true
		errs = append(errs, c.validateKPI(k))
	}
	return doc.KPIs, errors.Join(errs...)
}

func (c *Catalog) validateKPI(k KPI) error {
	o, ok := c.objects[k.Object]
	if !ok {
		return fmt.Errorf("kpi %s: unknown object %q", k.Name, k.Object)
	}
	var errs []error
	want := func(role, name string, ok func(Field) bool, required bool) {
		if name == "" {
			if required {
				errs = append(errs, fmt.Errorf("kpi %s: %s is required", k.Name, role))
			}
			return
		}
		f, found := o.Field(name)
		if !found || !ok(f) {
			errs = append(errs, fmt.Errorf("kpi %s: %s %q is not a suitable field of %s", k.Name, role, name, k.Object))
		}
	}
	want("rep", k.Rep, func(f Field) bool { return f.Class == Person && f.Refers == "user" }, false)
	want("dimension", k.Dimension, func(f Field) bool { return f.Class == Dimension && f.Type == String }, false)
	want("day", k.Day, func(f Field) bool { return f.Class == Time }, true)
	want("when", k.When, func(f Field) bool { return f.Type == Bool && f.Stored() }, false)
	want("currency", k.Currency, func(f Field) bool { return f.Class == Dimension && f.Type == String }, false)
	switch k.Measure {
	case "count":
		if k.Value != "" || k.Currency != "" {
			errs = append(errs, fmt.Errorf("kpi %s: a count takes no value or currency", k.Name))
		}
	case "sum":
		want("value", k.Value, func(f Field) bool { return f.Class == Measure }, true)
	default:
		errs = append(errs, fmt.Errorf("kpi %s: measure %q (count or sum)", k.Name, k.Measure))
	}
	return errors.Join(errs...)
}
