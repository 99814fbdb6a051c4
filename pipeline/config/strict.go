package config

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// DecodeStrict decodes a YAML node into v (a pointer to a struct) and
// reports every key that matches no field of v, with its line. yaml.v3's
// KnownFields only works on a Decoder over bytes; connector options are
// kept as nodes so that their lines stay those of the original file.
func DecodeStrict(n *yaml.Node, v any) error {
	if n == nil || n.Kind == 0 {
		return nil
	}
	var errs []error
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	checkKeys(n, reflect.TypeOf(v), "", &errs)
	if err := n.Decode(v); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			err = locateDecodeError(n, err)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func checkKeys(n *yaml.Node, t reflect.Type, path string, errs *[]error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// Aliases are not followed (their target is checked where it is
	// written; following them could multiply the work), nor are keys
	// kept as nodes for a decoder of their own (connector options).
	if n.Kind == yaml.AliasNode || t == nodeType {
		return
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		if _, custom := reflect.New(t).Interface().(yaml.Unmarshaler); custom {
			return
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				continue // merged keys are decoded as if written here
			}
			ft, ok := fields[k.Value]
			if !ok {
				*errs = append(*errs, fmt.Errorf("line %d: unknown key %s%s%s", k.Line, path, k.Value, didYouMean(k.Value, sortedKeys(fields))))
				continue
			}
			checkKeys(val, ft, path+k.Value+".", errs)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			checkKeys(item, t.Elem(), fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i), errs)
		}
	}
}

var nodeType = reflect.TypeFor[yaml.Node]()

// sortedKeys returns the keys of a field map in order, so that a tie
// between two suggestions always goes the same way.
func sortedKeys(m map[string]reflect.Type) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// yamlFields maps YAML keys to field types, following inline structs.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, inline, ok := yamlKey(f)
		switch {
		case !ok:
		case inline:
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
		default:
			out[name] = f.Type
		}
	}
	return out
}

// yamlKey returns the key yaml.v3 decodes a struct field from, whether
// the field is inlined into its parent, and ok=false for a field YAML
// ignores (unexported or tagged "-").
func yamlKey(f reflect.StructField) (key string, inline, ok bool) {
	if !f.IsExported() {
		return "", false, false
	}
	name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return "", false, false
	}
	if strings.Contains(opts, "inline") {
		return "", true, true
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name, false, true
}
