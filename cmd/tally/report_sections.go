package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
)

// notStated stands in the processing record for what tally.yaml does
// not say.
const notStated = "not stated"

// controllerRow is Art. 30(1)(a): who answers for the processing.
type controllerRow struct {
	Name           string         `json:"name"`
	Contact        string         `json:"contact"`
	Representative string         `json:"representative"`
	DPO            string         `json:"dpo"`
	Processors     []processorRow `json:"processors"`
}

type processorRow struct {
	Name     string `json:"name"`
	Service  string `json:"service"`
	Location string `json:"location"`
}

type transferRow struct {
	Destination string `json:"destination"`
	Recipient   string `json:"recipient"`
	Safeguard   string `json:"safeguard"`
}

// subjectRow is one category of data subjects and the personal data of
// theirs the connectors pull.
type subjectRow struct {
	Category string   `json:"category"`
	Data     []string `json:"personal_data"`
	Handling string   `json:"handling"`
}

// securityRow is Art. 30(1)(g): what tally does, and what the controller
// states it does besides.
type securityRow struct {
	Tally      []string `json:"tally"`
	Controller []string `json:"controller"`
}

func controllerOf(c config.Controller) controllerRow {
	row := controllerRow{Name: cmp.Or(c.Name, notStated), Contact: cmp.Or(c.Contact, notStated),
		Representative: cmp.Or(c.Representative, notStated), DPO: cmp.Or(c.DPO, notStated)}
	for _, p := range c.Processors {
		row.Processors = append(row.Processors, processorRow{p.Name, cmp.Or(p.Service, notStated), cmp.Or(p.Location, notStated)})
	}
	return row
}

func transfersOf(c config.Controller) []transferRow {
	var out []transferRow
	for _, t := range c.Transfers {
		out = append(out, transferRow{t.Destination, cmp.Or(t.Recipient, notStated), t.Safeguard})
	}
	return out
}

// subjectsOf derives the categories of data subjects from what the
// connectors pull: platform users (reps, recruiters) whose ids become
// pseudonyms, and the customer's contacts, whose records are only
// counted.
func subjectsOf(cat *schemas.Catalog, conns []connectorRow, purposes []string) []subjectRow {
	var users, counted []string
	for _, c := range conns {
		for _, o := range c.Objects {
			obj, _ := cat.Object(o.Object)
			for _, f := range o.Fields {
				if f.Category == string(schemas.Person) || (o.Object == "user" && f.Category == string(schemas.Identifier)) {
					users = appendNew(users, o.Object+"."+f.Field)
				}
			}
			if slices.ContainsFunc(obj.Fields, func(f schemas.Field) bool { return f.Class == schemas.ContactPII }) {
				counted = appendNew(counted, o.Object)
			}
		}
	}
	var out []subjectRow
	if len(users) > 0 {
		h := "identified in facts and KPIs only by a keyed pseudonym (the rep pseudonym)"
		if slices.Contains(purposes, "identity_vault") {
			h += "; work email and name sealed in the identity vault for the identity_vault purpose"
		}
		out = append(out, subjectRow{"Platform users of the CRM (sales reps, recruiters)", users, h})
	}
	if len(counted) > 0 {
		out = append(out, subjectRow{"The customer's contacts (people in the CRM: leads, candidates, contacts of an activity)",
			[]string{"none: records of " + strings.Join(counted, ", ") + " are counted, their contact fields are never requested"},
			"only counted: each record is kept under a record pseudonym, never identified"})
	}
	return out
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// securityOf lists the measures tally itself applies, as configured,
// and the controller's own.
func securityOf(cfg *config.File, cat *schemas.Catalog) securityRow {
	s := securityRow{Tally: []string{
		"data minimization: a field no enabled KPI or purpose needs is never requested from the CRM",
		"read-only CRM access: every request is checked against the connector's allow-list before it leaves the process",
		"pseudonymization: record and user ids become keyed HMAC pseudonyms, per tenant and key version (tally keys rotate)",
		"personal fields kept for a purpose are sealed with AES-GCM in the identity vault",
		"raw Kafka records are crypto-shredded per subject when the subject is erased",
		"retention enforced by tally purge, which verifies and records each run",
		"no personal value or secret in logs, errors or metrics; secrets only from environment variables or secret files",
		"per-tenant row-level security in PostgreSQL (tally_reader_<tenant>, tally_admin_<tenant>)",
		fmt.Sprintf("small groups: analysts read contact-derived KPIs (%s) only through kpi_daily_published, which leaves out rows of fewer than k = %d records (privacy.min_group_size); they do not read lead or activity facts",
			strings.Join(warehouse.ContactKPIs(cat), ", "), cfg.Privacy.MinGroupSize),
	}}
	if len(cfg.Kafka.Brokers) > 0 {
		if cfg.Kafka.TLS.Enabled {
			s.Tally = append(s.Tally, "Kafka connections encrypted with TLS")
		} else {
			s.Tally = append(s.Tally, "Kafka connections NOT encrypted (kafka.tls.enabled is off)")
		}
	}
	s.Controller = cfg.Controller.SecurityMeasures
	if len(s.Controller) == 0 {
		s.Controller = []string{notStated}
	}
	return s
}

// retentionRows states each table class's lifetime in days, with each
// tenant's overrides.
func retentionRows(cfg *config.File) []retentionRow {
	r := cfg.Retention
	rows := []retentionRow{
		{"raw Kafka topics", days(cfg.Kafka.Retention.D()) + " (personal fields crypto-shredded per subject; unreadable once the subject is erased)"},
		{"*_facts", days(r.Facts.D())},
		{"kpi_daily", days(r.KPIs.D()) + " after the end of the day each rollup describes"},
		{"quarantine", days(r.Quarantine.D())},
		{"identity_vault, subject_keys", days(r.Facts.D())},
		{"purge and reset evidence, finished terminations", days(r.Evidence.D())},
		{"suppressions, erasure_receipts", "10 years (evidence of erasure; no personal value)"},
	}
	for _, t := range cfg.Tenants {
		facts, kpis, quarantine := cfg.TenantTTLs(t)
		if facts != r.Facts.D() || kpis != r.KPIs.D() || quarantine != r.Quarantine.D() {
			rows = append(rows, retentionRow{"tenant " + t.ID + " (override)",
				fmt.Sprintf("facts %s, kpi_daily %s, quarantine %s", days(facts), days(kpis), days(quarantine))})
		}
	}
	return rows
}

// days states a lifetime in days, or in hours or minutes when it is
// shorter than a day or not whole days: "400 days", "1 day", "12 hours".
func days(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	const day = 24 * time.Hour
	switch {
	case d >= day && d%day == 0:
		return unit(int64(d/day), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	}
	return unit(int64(d/time.Second), "second")
}
