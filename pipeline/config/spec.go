package config

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Field documents one YAML key of a component's configuration. Spec
// derives it from the component's Config struct: the key and type from
// the Go field, the default from the default value the code applies, and
// the rest from two struct tags next to the yaml tag:
//
//	Token Secret `yaml:"token" doc:"Private-app token." spec:"required"`
//
// doc is the description (one or two sentences, Markdown allowed); spec
// lists flags: required (validation fails until it is set, there is no
// default), personal (the value may be personal data, such as a
// username, so the config file itself is personal data) and sensitive
// (the value must stay secret; implied by type Secret).
type Field struct {
	// Key is the dotted YAML path; "[]" marks the elements of a list, as
	// in tenants[].id.
	Key string `json:"key"`
	// Type is the YAML type: string, int, number, bool, duration (Go
	// syntax: 90s, 15m, 24h), duration or days (also 400d), secret (an
	// ${ENV} reference), list of T, map of K to V, object (its keys
	// follow as rows of their own) or mapping (free-form, decoded
	// elsewhere).
	Type string `json:"type"`
	// Default is the value the code applies when the key is absent; ""
	// when absent means empty, zero or off. A secret's default never
	// shows a value.
	Default     string `json:"default,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Sensitive   bool   `json:"sensitive,omitempty"`
	Personal    bool   `json:"personal,omitempty"`
	Description string `json:"description"`
}

var (
	secretType   = reflect.TypeFor[Secret]()
	durationType = reflect.TypeFor[Duration]()
	goDuration   = reflect.TypeFor[time.Duration]()
)

// Spec documents every YAML key of def, a Config struct or a pointer to
// one holding the defaults its component applies (the same value the
// component decodes YAML over), in field order, nested objects and list
// elements following their parent. Fields YAML ignores are left out. An
// unknown spec flag is a programming error and panics.
func Spec(def any) []Field {
	v := reflect.ValueOf(def)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var out []Field
	walk(v, "", &out)
	return out
}

func walk(v reflect.Value, prefix string, out *[]Field) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		key, inline, ok := yamlKey(sf)
		if !ok {
			continue
		}
		fv := v.Field(i)
		if inline {
			walk(fv, prefix, out)
			continue
		}
		f := Field{Key: prefix + key, Type: typeName(sf.Type), Default: defaultOf(fv),
			Sensitive: sf.Type == secretType, Description: sf.Tag.Get("doc")}
		for flag := range strings.SplitSeq(sf.Tag.Get("spec"), ",") {
			switch flag {
			case "":
			case "required":
				f.Required = true
			case "personal":
				f.Personal = true
			case "sensitive":
				f.Sensitive = true
			default:
				panic(fmt.Sprintf("config: field %s: unknown spec flag %q", f.Key, flag))
			}
		}
		*out = append(*out, f)
		switch {
		case isObject(sf.Type):
			walk(fv, f.Key+".", out)
		case sf.Type.Kind() == reflect.Slice && isObject(sf.Type.Elem()):
			walk(reflect.New(sf.Type.Elem()).Elem(), f.Key+"[].", out)
		}
	}
}

// isObject reports a struct whose YAML keys are its own fields: one with
// yaml-tagged fields and no YAML decoding of its own (Secret, Duration).
func isObject(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t == secretType {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		if _, tagged := t.Field(i).Tag.Lookup("yaml"); tagged {
			return true
		}
	}
	return false
}

func typeName(t reflect.Type) string {
	switch t {
	case secretType:
		return "secret"
	case durationType:
		return "duration or days"
	case goDuration:
		return "duration"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list of " + typeName(t.Elem())
	case reflect.Map:
		return "map of " + typeName(t.Key()) + " to " + typeName(t.Elem())
	case reflect.Struct:
		if isObject(t) {
			return "object"
		}
		return "mapping"
	}
	return "string"
}

// defaultOf renders a default value; zero values other than false render
// as "" (unset).
func defaultOf(v reflect.Value) string {
	if v.Kind() == reflect.Bool {
		return strconv.FormatBool(v.Bool())
	}
	if v.IsZero() {
		return ""
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = scalar(v.Index(i))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Map:
		items := make([]string, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			items = append(items, scalar(it.Key())+": "+scalar(it.Value()))
		}
		sort.Strings(items)
		return "{" + strings.Join(items, ", ") + "}"
	case reflect.Struct:
		if v.Type() != secretType {
			return ""
		}
	}
	return scalar(v)
}

// scalar renders one value. A Secret renders as its ${ENV} reference,
// never its value.
func scalar(v reflect.Value) string {
	switch v.Type() {
	case secretType:
		if env := v.Interface().(Secret).Env(); env != "" {
			return "${" + env + "}"
		}
		return ""
	case durationType:
		if s := v.Interface().(Duration).String(); strings.HasSuffix(s, "d") {
			return s
		}
		return shortDuration(time.Duration(v.Int()))
	case goDuration:
		return shortDuration(time.Duration(v.Int()))
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ""
		}
		return scalar(v.Elem())
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	}
	return fmt.Sprint(v.Interface())
}

// shortDuration drops the zero minutes and seconds time.Duration.String
// prints ("1h0m0s" → "1h").
func shortDuration(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}
