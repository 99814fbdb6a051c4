package config

import (
	"fmt"
	"time"
)

// Retention is how long warehouse rows live, per table class. Every row
// tally writes gets expires_at = write time + the TTL of its class (and
// tenant, see TenantRetention), a KPI rollup end of its day + the TTL;
// `tally purge` removes it after that.
type Retention struct {
	Facts      Duration `yaml:"facts" doc:"Lifetime of minimized fact rows."`
	KPIs       Duration `yaml:"kpis" doc:"Lifetime of KPI rollup rows, counted from the end of the day each one describes."`
	Quarantine Duration `yaml:"quarantine" doc:"Lifetime of quarantine entries."`
	Evidence   Duration `yaml:"evidence" doc:"Lifetime of purge-run evidence and completed tenant-termination records."`
	AllowShort bool     `yaml:"allow_short" doc:"Lifts the 24h minimum, for tests and demos; without it a lifetime such as 1h is rejected as a probable typo."`
	Line       int      `yaml:"-"`
}

// TenantRetention overrides Retention for one tenant; a zero value keeps
// the global TTL of that class.
type TenantRetention struct {
	Facts      Duration `yaml:"facts" doc:"Lifetime of this tenant's fact rows; empty keeps retention.facts."`
	KPIs       Duration `yaml:"kpis" doc:"Lifetime of this tenant's KPI rollup rows; empty keeps retention.kpis."`
	Quarantine Duration `yaml:"quarantine" doc:"Lifetime of this tenant's quarantine entries; empty keeps retention.quarantine."`
}

// Purge configures the purge that `tally run` schedules itself and that
// `tally purge` runs once.
type Purge struct {
	Schedule     string   `yaml:"schedule" doc:"When 'tally run' purges: a cron expression (5 fields), a descriptor such as @daily or @every 6h, or off."`
	Timezone     string   `yaml:"timezone" doc:"IANA time zone the schedule is read in."`
	BatchSize    int      `yaml:"batch_size" doc:"Most rows one straggler DELETE removes, 1 to 1000000."`
	BatchTimeout Duration `yaml:"batch_timeout" doc:"Time limit of each purge transaction (one batch, one partition drop), at least 1s."`
	Line         int      `yaml:"-"`
}

// Default purge and evidence settings.
const (
	DefaultEvidenceTTL  = 800 * 24 * time.Hour
	DefaultPurgeBatch   = 5000
	DefaultBatchTimeout = 30 * time.Second
)

// TenantTTLs returns the effective fact, KPI and quarantine TTLs of a
// tenant: its overrides over the global values.
func (f *File) TenantTTLs(t Tenant) (facts, kpis, quarantine time.Duration) {
	facts, kpis, quarantine = f.Retention.Facts.D(), f.Retention.KPIs.D(), f.Retention.Quarantine.D()
	if t.Retention.Facts > 0 {
		facts = t.Retention.Facts.D()
	}
	if t.Retention.KPIs > 0 {
		kpis = t.Retention.KPIs.D()
	}
	if t.Retention.Quarantine > 0 {
		quarantine = t.Retention.Quarantine.D()
	}
	return facts, kpis, quarantine
}

// validateRetention checks TTLs (positive, whole seconds, at least
// minRowTTL unless allow_short) and the purge settings whose check needs
// no cron parser (the schedule itself is parsed by cmd/tally).
func (f *File) validateRetention(add func(int, string, ...any)) {
	r := f.Retention
	check := func(line int, name string, v Duration, optional bool) {
		switch {
		case optional && v == 0:
		case v.D() <= 0:
			add(line, "%s: must be positive", name)
		case v.D()%time.Second != 0:
			add(line, "%s: %s must be whole seconds", name, v)
		case v.D() < minRowTTL && !r.AllowShort:
			add(line, "%s: %s is shorter than %s (set retention.allow_short: true if this is intended)", name, v, Duration(minRowTTL))
		}
	}
	check(r.Line, "retention.facts", r.Facts, false)
	check(r.Line, "retention.kpis", r.KPIs, false)
	check(r.Line, "retention.quarantine", r.Quarantine, false)
	check(r.Line, "retention.evidence", r.Evidence, false)
	for i, t := range f.Tenants {
		where := fmt.Sprintf("tenants[%d].retention", i)
		check(t.Line, where+".facts", t.Retention.Facts, true)
		check(t.Line, where+".kpis", t.Retention.KPIs, true)
		check(t.Line, where+".quarantine", t.Retention.Quarantine, true)
	}
	p := f.Purge
	if p.Schedule == "" {
		add(p.Line, "purge.schedule: required (a cron expression, @daily, @every 6h or off)")
	}
	if _, err := time.LoadLocation(p.Timezone); err != nil {
		add(p.Line, "purge.timezone: unknown time zone %q", p.Timezone)
	}
	if p.BatchSize < 1 || p.BatchSize > 1000000 {
		add(p.Line, "purge.batch_size: %d is out of range 1-1000000", p.BatchSize)
	}
	if p.BatchTimeout.D() < time.Second {
		add(p.Line, "purge.batch_timeout: %s is shorter than 1s", p.BatchTimeout)
	}
}
