package config

import (
	"errors"
	"reflect"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// LoadCheckedNoSources is LoadChecked for a command that builds no
// source and so never calls a CRM (purge, subject, keys, report, tenant,
// roles, people, quarantine, reset, migrate, status): a connector secret
// whose ${ENV} variable is unset is not a problem, and connectors are
// not built (building reads key files and needs their secrets). Every
// other problem, connector kinds and options included, is reported as
// LoadChecked reports it; the warehouse DSN and the pseudonym master key
// are still required. `tally validate`, run, check, demo and reconcile
// use LoadChecked, which reports an unset connector secret, since a
// sync pass would fail on it.
func LoadCheckedNoSources(path string, reg *pipeline.Registry, cat *schemas.Catalog, checks ...Check) (*File, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParseCheckedNoSources(data, reg, cat, checks...)
}

// ParseCheckedNoSources is LoadCheckedNoSources over bytes.
func ParseCheckedNoSources(data []byte, reg *pipeline.Registry, cat *schemas.Catalog, checks ...Check) (*File, error) {
	return parseChecked(data, true, reg, cat, checks)
}

// withoutUnset drops the *UnsetError leaves of a (joined) error and
// keeps every other problem.
func withoutUnset(err error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var keep []error
		changed := false
		for _, e := range j.Unwrap() {
			k := withoutUnset(e)
			changed = changed || k != e
			if k != nil {
				keep = append(keep, k)
			}
		}
		if !changed {
			return err
		}
		return errors.Join(keep...)
	}
	var u *UnsetError
	if errors.As(err, &u) {
		return nil
	}
	return err
}

// standIn is the value a PlanningConfig gives an unset secret. It is
// never sent anywhere: a planning source is built, asked for its
// Objects, and dropped unopened.
const standIn = "tally-planning-stand-in"

// PlanningConfig decodes a connector's options into its kind's Config
// like ConnectorConfig, but gives every unset secret a stand-in value,
// so that the kind's factory can build a source (New does no I/O) to ask
// it which objects it pulls, with the CRM token variables unset. The
// source must never be opened. The processing report uses it.
func (f *File) PlanningConfig(reg *pipeline.Registry, c Connector) (pipeline.Validator, error) {
	fac, ok := reg.Source(c.Kind)
	if !ok {
		return f.ConnectorConfig(reg, c)
	}
	cfg := fac.NewConfig()
	if err := DecodeStrict(&c.Options, cfg); err != nil {
		return nil, err
	}
	fillSecrets(reflect.ValueOf(cfg))
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// fillSecrets sets each Secret that names an unset variable, reachable
// through structs and pointers to structs, to a stand-in; a secret the
// file does not name stays unset (it may select a flow).
func fillSecrets(v reflect.Value) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	if v.Type() == secretType {
		if s := v.Interface().(Secret); !s.Set() && s.env != "" && v.CanSet() {
			v.Set(reflect.ValueOf(Secret{env: s.env, value: standIn, line: s.line}))
		}
		return
	}
	for i := range v.NumField() {
		if v.Type().Field(i).IsExported() {
			fillSecrets(v.Field(i))
		}
	}
}
