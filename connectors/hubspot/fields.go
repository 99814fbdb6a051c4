package hubspot

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// valueKind is how a HubSpot value (always a string on the wire) is read.
type valueKind int

const (
	text valueKind = iota
	number
	boolean
	instant
)

// field maps one canonical field to a HubSpot property (deals, contacts)
// or owner attribute (users).
type field struct {
	canonical string
	prop      string
	kind      valueKind
}

// objectSpec describes how one canonical object is pulled.
type objectSpec struct {
	canonical string
	path      string // list path; search is path + "/search"
	name      string // HubSpot's name, for messages
	modified  string // last-modified property; "" when not searchable
	all       []field
}

// order is the order of Objects: users first, since deals and leads
// refer to them.
var order = []string{"user", "deal", "lead"}

var specs = map[string]objectSpec{
	"deal": {canonical: "deal", path: "/crm/v3/objects/deals", name: "deals", modified: "hs_lastmodifieddate", all: []field{
		{"owner_id", "hubspot_owner_id", text},
		{"name", "dealname", text},
		{"description", "description", text},
		{"stage", "dealstage", text},
		{"pipeline", "pipeline", text},
		{"is_won", "hs_is_closed_won", boolean},
		{"is_closed", "hs_is_closed", boolean},
		{"amount", "amount", number},
		{"currency", "deal_currency_code", text},
		{"close_date", "closedate", instant},
		{"created_at", "createdate", instant},
	}},
	"lead": {canonical: "lead", path: "/crm/v3/objects/contacts", name: "contacts", modified: "lastmodifieddate", all: []field{
		{"owner_id", "hubspot_owner_id", text},
		{"email", "email", text},
		{"first_name", "firstname", text},
		{"last_name", "lastname", text},
		{"phone", "phone", text},
		{"company", "company", text},
		{"lifecycle_stage", "lifecyclestage", text},
		{"lead_source", "hs_analytics_source", text},
		{"created_at", "createdate", instant},
		{"mql_at", "hs_lifecyclestage_marketingqualifiedlead_date", instant},
	}},
	"user": {canonical: "user", path: "/crm/v3/owners", name: "owners", all: []field{
		{"email", "email", text},
		{"first_name", "firstName", text},
		{"last_name", "lastName", text},
		{"is_active", "archived", boolean},
		{"created_at", "createdAt", instant},
	}},
}

// plan is what one object's sync requests and emits.
type plan struct {
	objectSpec
	fields      []field  // projected fields, id excluded (it is Record.ID)
	unsupported []string // projected fields HubSpot does not have
	props       []string // HubSpot properties to request, sorted
}

// newPlan resolves a projection of object into a plan, or nil when
// HubSpot has no such object. A projected field HubSpot does not have is
// left out (it stays empty in the warehouse); Unsupported lists them.
func newPlan(object string, projected []string) (*plan, error) {
	spec, ok := specs[object]
	if !ok {
		return nil, nil
	}
	p := &plan{objectSpec: spec}
	for _, name := range projected {
		if name == "id" {
			continue
		}
		i := slices.IndexFunc(spec.all, func(f field) bool { return f.canonical == name })
		if i < 0 {
			p.unsupported = append(p.unsupported, name)
			continue
		}
		if !slices.ContainsFunc(p.fields, func(f field) bool { return f.canonical == name }) {
			p.fields = append(p.fields, spec.all[i])
		}
	}
	if spec.modified != "" {
		for _, f := range p.fields {
			p.props = append(p.props, f.prop)
		}
		p.props = append(p.props, spec.modified)
		slices.Sort(p.props)
		p.props = slices.Compact(p.props)
	}
	return p, nil
}

// parse turns a wire value into the field's type. A value that does not
// parse is kept as its raw string, and a value of the wrong JSON type (a
// number or bool where text belongs, a nested object or array) is kept
// as it came, for pipeline.Preflight and the validate stage to
// quarantine by field and rule; empty and null values are nil.
func parse(k valueKind, raw any) any {
	var s string
	switch v := raw.(type) {
	case nil:
		return nil
	case string:
		s = v
	case bool:
		return v
	case float64:
		if k == number {
			return v
		}
		if k == instant {
			if t, ok := parseInstant(v); ok {
				return t
			}
		}
		return v
	default:
		return v
	}
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	switch k {
	case number:
		if n, ok := decimal.Number(s); ok { // the vendor's text, exactly
			return n
		}
	case boolean:
		if b, err := strconv.ParseBool(s); err == nil && (s == "true" || s == "false") {
			return b
		}
	case instant:
		if t, ok := parseInstant(s); ok {
			return t
		}
	}
	return s
}

// parseInstant reads both forms HubSpot sends: epoch milliseconds
// ("1572480000000") and ISO 8601 ("2019-12-07T16:50:06.678Z"), and
// plain dates; a JSON number is read as epoch milliseconds. An instant
// outside years 1–9999 is returned as it is, for pipeline.Preflight to
// reject with rule range.
func parseInstant(raw any) (time.Time, bool) {
	switch v := raw.(type) {
	case float64:
		if v != math.Trunc(v) || math.Abs(v) >= 1<<62 {
			return time.Time{}, false
		}
		return time.UnixMilli(int64(v)).UTC(), true
	case string:
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), true
		}
		for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}
