package salesforce

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// valueKind is how a Salesforce value is read.
type valueKind int

const (
	text valueKind = iota
	number
	boolean
	instant // a datetime or a date
	lower   // a picklist value, lower-cased (activity types)
)

// field maps one canonical field to Salesforce fields: the first
// non-null of api, else def.
type field struct {
	canonical string
	api       []string
	kind      valueKind
	def       any
}

// sobject is one Salesforce object a canonical object is pulled from.
type sobject struct {
	name    string
	deletes bool // has IsDeleted: pulled with queryAll
	merges  bool // has MasterRecordId
	fields  []field
}

// order is the order of Objects: users first, since the others refer
// to them.
var order = []string{"user", "deal", "lead", "activity"}

// specs lists, per canonical object, the sObjects and the fields tally
// may request. Customer names, emails, phones, companies, subjects,
// descriptions and WhoIds are deliberately absent: no projection can
// request them.
func specs(cfg Config) map[string][]sobject {
	currency := field{"currency", nil, text, cfg.DefaultCurrency}
	if cfg.MultiCurrency {
		currency = field{"currency", []string{"CurrencyIsoCode"}, text, nil}
	}
	return map[string][]sobject{
		"user": {{name: "User", fields: []field{
			{"email", []string{"Email"}, text, nil},
			{"first_name", []string{"FirstName"}, text, nil},
			{"last_name", []string{"LastName"}, text, nil},
			{"is_active", []string{"IsActive"}, boolean, nil},
			{"created_at", []string{"CreatedDate"}, instant, nil},
		}}},
		"deal": {{name: "Opportunity", deletes: true, fields: []field{
			{"owner_id", []string{"OwnerId"}, text, nil},
			{"stage", []string{"StageName"}, text, nil},
			{"is_won", []string{"IsWon"}, boolean, nil},
			{"is_closed", []string{"IsClosed"}, boolean, nil},
			{"amount", []string{"Amount"}, number, nil},
			currency,
			{"close_date", []string{"CloseDate"}, instant, nil},
			{"created_at", []string{"CreatedDate"}, instant, nil},
		}}},
		"lead": {{name: "Lead", deletes: true, merges: true, fields: []field{
			{"owner_id", []string{"OwnerId"}, text, nil},
			{"lifecycle_stage", []string{"Status"}, text, nil},
			{"lead_source", []string{"LeadSource"}, text, nil},
			{"created_at", []string{"CreatedDate"}, instant, nil},
		}}},
		"activity": {
			{name: "Task", deletes: true, fields: []field{
				{"owner_id", []string{"OwnerId"}, text, nil},
				{"type", []string{"TaskSubtype", "Type"}, lower, "task"},
				{"occurred_at", []string{"ActivityDate", "CreatedDate"}, instant, nil},
			}},
			{name: "Event", deletes: true, fields: []field{
				{"owner_id", []string{"OwnerId"}, text, nil},
				{"type", []string{"Type"}, lower, "meeting"},
				{"occurred_at", []string{"ActivityDateTime", "ActivityDate", "CreatedDate"}, instant, nil},
			}},
		},
	}
}

// plan is what one sObject's sync requests and emits.
type plan struct {
	sobject
	canonical   string
	fields      []field  // projected fields, id excluded (it is Record.ID)
	unsupported []string // projected fields Salesforce does not provide
	selects     []string // the SOQL SELECT list
}

// newPlans resolves a projection of object into one plan per sObject,
// or nil when Salesforce has no such object.
func newPlans(cfg Config, object string, projected []string) []*plan {
	var out []*plan
	for _, so := range specs(cfg)[object] {
		p := &plan{sobject: so, canonical: object}
		for _, name := range projected {
			if name == "id" || slices.ContainsFunc(p.fields, func(f field) bool { return f.canonical == name }) {
				continue
			}
			i := slices.IndexFunc(so.fields, func(f field) bool { return f.canonical == name })
			if i < 0 {
				p.unsupported = append(p.unsupported, name)
				continue
			}
			p.fields = append(p.fields, so.fields[i])
		}
		p.selects = []string{"Id", "SystemModstamp"}
		if so.deletes {
			p.selects = append(p.selects, "IsDeleted")
		}
		if so.merges {
			p.selects = append(p.selects, "MasterRecordId")
		}
		for _, f := range p.fields {
			for _, a := range f.api {
				if !slices.Contains(p.selects, a) {
					p.selects = append(p.selects, a)
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// soql builds the pass query: every record at or after the second of
// since (whole-second literal, unquoted), oldest change first.
func (p *plan) soql(since time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s FROM %s", strings.Join(p.selects, ", "), p.name)
	if !since.IsZero() {
		fmt.Fprintf(&b, " WHERE SystemModstamp >= %s", since.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z"))
	}
	b.WriteString(" ORDER BY SystemModstamp ASC, Id ASC")
	return b.String()
}

// value reads a field of a record: the first non-null api field. A
// value of a shape the field never has is passed on as it came (see
// odd), for the validate stage to quarantine with rule type.
func (f field) value(rec map[string]any) any {
	for _, a := range f.api {
		raw := rec[a]
		if odd(f.kind, raw) {
			return raw
		}
		if v := parse(f.kind, raw); v != nil {
			return v
		}
	}
	return f.def
}

// odd reports a wire value no field of kind k ever has: an object or an
// array anywhere, or anything but a string in a text field. Flattened
// into a string it would pass for a plausible value.
func odd(k valueKind, raw any) bool {
	switch raw.(type) {
	case nil, string:
		return false
	case map[string]any, []any:
		return true
	}
	return k == text || k == lower
}

// parse turns a wire value into the field's type. A value that does not
// parse is kept as its raw string, for the validate stage to quarantine
// by field and rule; null and empty values are nil.
func parse(k valueKind, raw any) any {
	switch v := raw.(type) {
	case nil:
		return nil
	case bool:
		if k == boolean {
			return v
		}
		return strconv.FormatBool(v)
	case json.Number: // a page decoded with UseNumber: the vendor's text
		if n, ok := decimal.Number(string(v)); ok && k == number {
			return n
		}
		return v.String()
	case float64:
		if k == number && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		s := strings.TrimSpace(v)
		switch {
		case s == "":
			return nil
		case k == text:
			return s
		case k == lower:
			return strings.ToLower(s)
		case k == instant:
			if t, ok := parseTime(s); ok {
				return t
			}
		}
		return s
	}
	return fmt.Sprint(raw)
}

// parseTime reads Salesforce datetimes ("2013-05-20T20:49:32.000+0000")
// and dates ("2024-12-31").
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
