package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Class says what a field's values are and therefore what tally may do
// with them.
type Class string

const (
	Identifier Class = "identifier"  // a record's source id; stored only as a pseudonym
	Person     Class = "person"      // a platform user or a reference to one; pseudonymized when it refers to an object, else dropped
	ContactPII Class = "contact_pii" // the customer's people: never stored
	Measure    Class = "measure"     // numbers a KPI sums
	Dimension  Class = "dimension"   // categories a KPI groups or filters by
	Time       Class = "time"        // instants, generalized to the field's granularity
	FreeText   Class = "free_text"   // text that may hold anything: never stored
	Secret     Class = "secret"      // credentials: never stored
)

// Personal reports whether values of the class are personal data as
// pulled (before pseudonymization).
func (c Class) Personal() bool {
	switch c {
	case Identifier, Person, ContactPII, FreeText, Secret:
		return true
	}
	return false
}

// Type is a field's value type after validation.
type Type string

const (
	String Type = "string"
	Number Type = "number"
	Bool   Type = "bool"
	TimeT  Type = "time"
)

// Field is one classified field of a canonical object.
type Field struct {
	Name  string `yaml:"name"`
	Class Class  `yaml:"class"`
	Type  Type   `yaml:"type"`
	// Refers names the object kind whose pseudonym a Person field (or an
	// Identifier) takes, so a deal's owner_id and the user's id map to the
	// same rep pseudonym.
	Refers string `yaml:"refers,omitempty"`
	// Granularity of a Time field as stored: "day" or "" (exact).
	Granularity string `yaml:"granularity,omitempty"`
	Doc         string `yaml:"doc"`
}

// Stored reports whether the field may reach the warehouse (possibly as
// a pseudonym) when a KPI or purpose asks for it.
func (f Field) Stored() bool {
	switch f.Class {
	case Identifier, Measure, Dimension, Time:
		return true
	case Person:
		return f.Refers != ""
	}
	return false
}

// PseudonymKind is the kind under which the field's values are
// pseudonymized: Refers, or for the identifier the object itself.
func (f Field) PseudonymKind(object string) string {
	if f.Refers != "" {
		return f.Refers
	}
	return object
}

// Object is a canonical object schema.
type Object struct {
	Name   string  `yaml:"object"`
	Doc    string  `yaml:"doc"`
	Fields []Field `yaml:"fields"`
	index  map[string]int
}

// Field returns the named field.
func (o *Object) Field(name string) (Field, bool) {
	i, ok := o.index[name]
	if !ok {
		return Field{}, false
	}
	return o.Fields[i], true
}

// Catalog is the set of canonical objects and KPIs.
type Catalog struct {
	objects map[string]*Object
	names   []string
	kpis    []KPI
	// purposes are the non-KPI reasons to pull fields (purposes.yaml).
	purposes []Purpose
}

// Object returns the named canonical object.
func (c *Catalog) Object(name string) (*Object, bool) {
	o, ok := c.objects[name]
	return o, ok
}

// Objects returns the object names in sorted order.
func (c *Catalog) Objects() []string { return append([]string(nil), c.names...) }

//go:embed *.yaml
var files embed.FS

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalog. The embedded files are part of
// the binary and covered by tests, so an error here is a build defect.
func Default() *Catalog {
	defaultOnce.Do(func() { defaultCat, defaultErr = Load(files) })
	if defaultErr != nil {
		panic(fmt.Sprintf("schemas: embedded catalog: %v", defaultErr))
	}
	return defaultCat
}

// Load parses and validates every *.yaml file of fsys: one object per
// file, except kpis.yaml which holds the KPI catalog.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{objects: map[string]*Object{}}
	paths, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	var errs []error
	var kpiFile, purposeFile []byte
	for _, p := range paths {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		if p == "kpis.yaml" {
			kpiFile = data
			continue
		}
		if p == "purposes.yaml" {
			purposeFile = data
			continue
		}
		o, err := parseObject(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		if _, dup := c.objects[o.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: object %s defined twice", p, o.Name))
			continue
		}
		c.objects[o.Name] = o
		c.names = append(c.names, o.Name)
	}
	sort.Strings(c.names)
	if kpiFile != nil {
		kpis, err := parseKPIs(kpiFile, c)
		if err != nil {
			errs = append(errs, fmt.Errorf("kpis.yaml: %w", err))
		}
		c.kpis = kpis
	}
	if purposeFile != nil {
		ps, err := parsePurposes(purposeFile, c)
		if err != nil {
			errs = append(errs, fmt.Errorf("purposes.yaml: %w", err))
		}
		c.purposes = ps
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func strictDecode(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func parseObject(data []byte) (*Object, error) {
	var o Object
	if err := strictDecode(data, &o); err != nil {
		return nil, err
	}
	var errs []error
	if o.Name == "" || strings.ToLower(o.Name) != o.Name {
		errs = append(errs, fmt.Errorf("object name %q must be lower-case and set", o.Name))
	}
	o.index = make(map[string]int, len(o.Fields))
	hasID := false
	for i, f := range o.Fields {
		if _, dup := o.index[f.Name]; dup {
			errs = append(errs, fmt.Errorf("field %s defined twice", f.Name))
		}
		o.index[f.Name] = i
		errs = append(errs, validateField(f))
		if f.Name == "id" {
			hasID = f.Class == Identifier
		}
	}
	if !hasID {
		errs = append(errs, errors.New("field id of class identifier is required"))
	}
	return &o, errors.Join(errs...)
}

func validateField(f Field) error {
	var errs []error
	switch f.Class {
	case Identifier, Person, ContactPII, Measure, Dimension, Time, FreeText, Secret:
	default:
		errs = append(errs, fmt.Errorf("field %s: unknown class %q", f.Name, f.Class))
	}
	switch f.Type {
	case String, Number, Bool, TimeT:
	default:
		errs = append(errs, fmt.Errorf("field %s: unknown type %q", f.Name, f.Type))
	}
	if (f.Class == Time) != (f.Type == TimeT) {
		errs = append(errs, fmt.Errorf("field %s: class time and type time go together", f.Name))
	}
	if f.Granularity != "" && (f.Granularity != "day" || f.Class != Time) {
		errs = append(errs, fmt.Errorf("field %s: granularity %q (only day, on time fields)", f.Name, f.Granularity))
	}
	if f.Class == Measure && f.Type != Number {
		errs = append(errs, fmt.Errorf("field %s: a measure is a number", f.Name))
	}
	if f.Doc == "" {
		errs = append(errs, fmt.Errorf("field %s: doc is required", f.Name))
	}
	return errors.Join(errs...)
}
