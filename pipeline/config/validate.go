package config

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// Minimum lifetimes below which a retention value is almost certainly a
// typo (1h for facts); raw topics must keep data long enough to be read.
const (
	minRowTTL   = 24 * time.Hour
	minTopicTTL = 10 * time.Minute
)

// Validate reports every problem of the configuration that can be found
// without the network: names, connector kinds and options (decoded
// strictly into the kind's Config, validated by it and built by its
// factory), KPI names, durations, warehouse, log, metrics and key
// settings, readable key files, unset ${ENV} secrets, and whatever
// checks report. Problems carry the line of the key they concern and
// are sorted by line.
func (f *File) Validate(reg *pipeline.Registry, cat *schemas.Catalog, checks ...Check) Problems {
	var ps Problems
	add := func(line int, format string, args ...any) {
		ps = append(ps, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if len(f.Tenants) == 0 {
		add(0, "tenants: at least one tenant is required")
	}
	tenants := map[string]bool{}
	for ti, t := range f.Tenants {
		where := fmt.Sprintf("tenants[%d]", ti)
		if !nameRE.MatchString(t.ID) {
			add(t.Line, "%s.id: %q must be 1-40 characters of a-z, 0-9, _ and - (it names Kafka topics)", where, t.ID)
		}
		if tenants[t.ID] {
			add(t.Line, "%s.id: tenant %q appears twice", where, t.ID)
		}
		tenants[t.ID] = true
		if len(t.Connectors) == 0 {
			add(t.Line, "%s.connectors: at least one connector is required", where)
		}
		names := map[string]bool{}
		for ci, c := range t.Connectors {
			cw := fmt.Sprintf("%s.connectors[%d]", where, ci)
			name := c.InstanceName()
			if !nameRE.MatchString(name) {
				add(c.Line, "%s.name: %q must be 1-40 characters of a-z, 0-9, _ and -", cw, name)
			}
			if names[name] {
				add(c.Line, "%s.name: connector %q appears twice in tenant %q", cw, name, t.ID)
			}
			names[name] = true
			ps = append(ps, f.connectorProblems(reg, cat, t.ID, cw, c)...)
			if fac, ok := reg.Source(c.Kind); ok && c.Reconciles() && !fac.Reconciles {
				add(c.Line, "%s.reconcile: connector kind %s cannot list its ids; its deletes arrive with each sync pass (remove reconcile)", cw, c.Kind)
			}
		}
	}
	for i, k := range f.KPIs {
		if _, ok := cat.KPI(k); !ok {
			add(f.kpisLine, "kpis[%d]: unknown KPI %q%s (known: %v)", i, k, didYouMean(k, cat.KPINames()), cat.KPINames())
		}
	}
	for i, p := range f.Purposes {
		if _, ok := cat.Purpose(p); !ok {
			add(0, "purposes[%d]: unknown purpose %q%s (known: %v)", i, p, didYouMean(p, cat.PurposeNames()), cat.PurposeNames())
		}
	}
	f.validateInfra(add, func(line int, err error) { ps.AddErr(line, "", err) })
	ps = append(ps, f.componentProblems(reg, cat, checks)...)
	return f.lines.finish(ps)
}

func (f *File) validateInfra(add func(int, string, ...any), addErr func(int, error)) {
	k := f.Kafka
	if k.Partitions < 1 || k.Partitions > 64 {
		add(k.Line, "kafka.partitions: %d is out of range 1-64", k.Partitions)
	}
	if !regexp.MustCompile(`^[a-zA-Z0-9._-]{1,40}$`).MatchString(k.TopicPrefix) {
		add(k.Line, "kafka.topic_prefix: %q is not a valid topic name prefix", k.TopicPrefix)
	}
	if k.Retention.D() < minTopicTTL {
		add(k.Line, "kafka.retention: %s is shorter than %s; raw records would expire before they are read", k.Retention, minTopicTTL)
	}
	if k.GroupID == "" {
		add(k.Line, "kafka.group_id: required")
	}
	for _, err := range k.securityProblems() {
		addErr(k.Line, err)
	}
	w := f.Warehouse
	switch w.Driver {
	case "postgres":
		addErr(w.Line, w.DSN.Validate("warehouse.dsn"))
	case "sqlite":
	default:
		add(w.Line, "warehouse.driver: %q (want postgres or sqlite)", w.Driver)
	}
	p := f.Pseudonyms
	switch {
	case p.MasterKey.Env() != "" && p.MasterKeyFile != "":
		add(p.Line, "pseudonyms: set master_key or master_key_file, not both")
	case p.MasterKey.Env() != "":
		addErr(p.Line, p.MasterKey.Validate("pseudonyms.master_key"))
	case p.MasterKeyFile == "":
		add(p.Line, "pseudonyms: master_key (an ${ENV} or ${file:PATH} reference) or master_key_file is required")
	}
	if p.KeyVersion < 1 {
		add(p.Line, "pseudonyms.key_version: %d must be 1 or more", p.KeyVersion)
	}
	f.validateRetention(add)
	f.validateQuarantine(add)
	f.validateBatches(add)
	f.validatePrivacy(add)
	f.validateController(add) // controller.go
	if f.Sync.Interval.D() < 10*time.Second {
		add(f.Sync.Line, "sync.interval: %s is shorter than 10s", f.Sync.Interval)
	}
	if f.Sync.OutageLimit.D() < 0 {
		add(f.Sync.Line, "sync.outage_limit: %s must not be negative", f.Sync.OutageLimit)
	}
	if f.Sync.Ahead < 1 || f.Sync.Ahead > 1000 {
		add(f.Sync.Line, "sync.ahead: %d is out of range 1-1000", f.Sync.Ahead)
	}
	if f.Sync.LeaseTTL.D() < time.Second {
		add(f.Sync.Line, "sync.lease_ttl: %s is shorter than 1s", f.Sync.LeaseTTL)
	}
}

// InstanceName is the connector's name, defaulting to its kind.
func (c Connector) InstanceName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Kind
}

// ConnectorConfig decodes a connector's options strictly into its kind's
// Config and validates it.
func (f *File) ConnectorConfig(reg *pipeline.Registry, c Connector) (pipeline.Validator, error) {
	fac, ok := reg.Source(c.Kind)
	if !ok {
		return nil, fmt.Errorf("kind: unknown connector kind %q%s (known: %v)", c.Kind, didYouMean(c.Kind, reg.SourceKinds()), reg.SourceKinds())
	}
	cfg := fac.NewConfig()
	// Validate even when decoding failed, so every problem shows at once.
	if err := errors.Join(DecodeStrict(&c.Options, cfg), cfg.Validate()); err != nil {
		return nil, err
	}
	return cfg, nil
}

// connectorProblems reports the problems of one connector: its kind, its
// options as decoded and validated by the kind's Config, and what
// building its source refuses. A key that failed to decode is not
// reported again by the kind's Validate (a literal secret is not also
// "missing").
func (f *File) connectorProblems(reg *pipeline.Registry, cat *schemas.Catalog, tenant, where string, c Connector) Problems {
	fac, ok := reg.Source(c.Kind)
	if !ok {
		var ps Problems
		_, err := f.ConnectorConfig(reg, c)
		ps.AddErr(c.Line, where+": ", err)
		return ps
	}
	cfg := fac.NewConfig()
	var dec, val Problems
	dec.AddErr(c.Line, where+": ", DecodeStrict(&c.Options, cfg))
	verr := cfg.Validate()
	if f.noSources {
		verr = withoutUnset(verr) // nosources.go
	}
	val.AddErr(c.Line, where+": ", verr)
	if len(dec)+len(val) == 0 && !f.noSources {
		val.AddErr(c.Line, where+": ", f.buildConnector(reg, cat, tenant, c, cfg))
	}
	failed := failedLines(dec)
	for _, p := range f.lines.finish(val) {
		if !failed[p.Line] {
			dec = append(dec, p)
		}
	}
	return dec
}

// EnabledKPIs returns the configured KPIs, or every KPI of the catalog.
func (f *File) EnabledKPIs(cat *schemas.Catalog) []string {
	if len(f.KPIs) > 0 {
		return f.KPIs
	}
	return cat.KPINames()
}

// EnabledPurposes returns the enabled purposes: Purposes, or every
// declared purpose when it is unset.
func (f *File) EnabledPurposes(cat *schemas.Catalog) []string {
	if f.Purposes != nil {
		return f.Purposes
	}
	return cat.PurposeNames()
}
