package schemas

import (
	"errors"
	"fmt"
)

// Storage says where a purpose's fields end up.
const (
	// StorageVault: sealed (AES-GCM) in the identity vault table, never
	// in facts; minimize drops the fields after the vault stage captured
	// them.
	StorageVault = "vault"
)

// Purpose is a declared reason, other than a KPI, to pull fields of one
// object. Its fields are requested from the CRM and captured by the
// purpose's own stage; they never reach a fact table.
type Purpose struct {
	Name    string   `yaml:"name"`
	Object  string   `yaml:"object"`
	Doc     string   `yaml:"doc"`
	Basis   string   `yaml:"basis"`
	Storage string   `yaml:"storage"`
	Fields  []string `yaml:"fields"`
}

// Purposes returns every declared purpose, in file order.
func (c *Catalog) Purposes() []Purpose { return append([]Purpose(nil), c.purposes...) }

// Purpose returns the named purpose.
func (c *Catalog) Purpose(name string) (Purpose, bool) {
	for _, p := range c.purposes {
		if p.Name == name {
			return p, true
		}
	}
	return Purpose{}, false
}

// PurposeNames returns the names of every purpose, in file order.
func (c *Catalog) PurposeNames() []string {
	out := make([]string, len(c.purposes))
	for i, p := range c.purposes {
		out[i] = p.Name
	}
	return out
}

// ProjectWith is Project plus the fields of the named purposes, each
// justified by "purpose <name>".
func (c *Catalog) ProjectWith(kpis, purposes, objects []string) (Projection, error) {
	p, err := c.Project(kpis, objects)
	if err != nil {
		return nil, err
	}
	for _, name := range purposes {
		pu, ok := c.Purpose(name)
		if !ok {
			return nil, fmt.Errorf("unknown purpose %q", name)
		}
		if p[pu.Object] == nil {
			p[pu.Object] = map[string][]string{}
		}
		for _, f := range pu.Fields {
			p[pu.Object][f] = append(p[pu.Object][f], "purpose "+pu.Name)
		}
	}
	return p, nil
}

// PurposeOnly reports whether every reason in whys is a purpose whose
// storage keeps the field out of facts; minimize uses it to accept, and
// drop, fields a purpose pulled.
func PurposeOnly(whys []string) bool {
	if len(whys) == 0 {
		return false
	}
	for _, w := range whys {
		if len(w) < len("purpose ") || w[:len("purpose ")] != "purpose " {
			return false
		}
	}
	return true
}

func parsePurposes(data []byte, c *Catalog) ([]Purpose, error) {
	var doc struct {
		Purposes []Purpose `yaml:"purposes"`
	}
	if err := strictDecode(data, &doc); err != nil {
		return nil, err
	}
	var errs []error
	seen := map[string]bool{}
	for _, p := range doc.Purposes {
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("purpose %s defined twice", p.Name))
		}
		seen[p.Name] = true
		o, ok := c.objects[p.Object]
		if !ok {
			errs = append(errs, fmt.Errorf("purpose %s: unknown object %q", p.Name, p.Object))
			continue
		}
		if p.Storage != StorageVault {
			errs = append(errs, fmt.Errorf("purpose %s: storage %q (vault)", p.Name, p.Storage))
		}
		if p.Doc == "" || p.Basis == "" {
			errs = append(errs, fmt.Errorf("purpose %s: doc and basis are required", p.Name))
		}
		for _, f := range p.Fields {
			if _, ok := o.Field(f); !ok {
				errs = append(errs, fmt.Errorf("purpose %s: unknown field %s of %s", p.Name, f, p.Object))
			}
		}
	}
	return doc.Purposes, errors.Join(errs...)
}
