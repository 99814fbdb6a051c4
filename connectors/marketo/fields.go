package marketo

import (
	"slices"
	"strings"
	"time"
)

// valueKind is how a Marketo value is read.
type valueKind int

const (
	text valueKind = iota
	instant
)

// field maps one canonical field to a Marketo lead field (a CSV column)
// or activity attribute.
type field struct {
	canonical string
	vendor    string
	kind      valueKind
}

// order is the order of Objects.
var order = []string{"lead", "activity"}

// leadFields are the only lead fields the connector can ever request;
// names, emails, phones and companies are deliberately absent.
func leadFields(mqlField string) []field {
	fs := []field{
		{"created_at", "createdAt", instant},
		{"lead_source", "leadSource", text},
		{"lifecycle_stage", "leadStatus", text},
	}
	if mqlField != "" {
		fs = append(fs, field{"mql_at", mqlField, instant})
	}
	return fs
}

var activityFields = []field{
	{"type", "activityTypeId", text},
	{"occurred_at", "activityDate", instant},
}

// plan is what one object's sync requests and emits.
type plan struct {
	object      string
	fields      []field  // projected fields, id excluded (it is Record.ID)
	unsupported []string // projected fields Marketo does not provide here
	columns     []string // lead export columns, in request order
}

// newPlan resolves a projection of object into a plan, or nil when the
// connector has no such object.
func newPlan(object string, projected []string, mqlField string) *plan {
	var all []field
	switch object {
	case "lead":
		all = leadFields(mqlField)
	case "activity":
		all = activityFields
	default:
		return nil
	}
	p := &plan{object: object}
	for _, name := range projected {
		if name == "id" {
			continue
		}
		i := slices.IndexFunc(all, func(f field) bool { return f.canonical == name })
		switch {
		case i < 0:
			p.unsupported = append(p.unsupported, name)
		case !slices.ContainsFunc(p.fields, func(f field) bool { return f.canonical == name }):
			p.fields = append(p.fields, all[i])
		}
	}
	if object == "lead" {
		p.columns = []string{"id", "createdAt", "updatedAt"}
		for _, f := range p.fields {
			if !slices.Contains(p.columns, f.vendor) {
				p.columns = append(p.columns, f.vendor)
			}
		}
	}
	return p
}

// parse turns a CSV or JSON string into the field's type. Marketo's CSV
// writes empty values as the literal null; those and empty strings are
// nil. A value that does not parse is kept as its raw string, for the
// validate stage to quarantine by field and rule.
func parse(k valueKind, s string) any {
	if s = strings.TrimSpace(s); s == "" || s == "null" {
		return nil
	}
	if k == instant {
		if t, ok := parseInstant(s); ok {
			return t
		}
	}
	return s
}

// parseInstant reads Marketo's ISO 8601 datetimes (with Z or an offset)
// and plain dates.
func parseInstant(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z0700", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
