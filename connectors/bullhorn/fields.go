package bullhorn

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline/decimal"
)

// valueKind is how a Bullhorn JSON value is read.
type valueKind int

const (
	text valueKind = iota
	number
	boolean
	instant  // epoch milliseconds
	assocID  // a to-one association, read as its id
	constant // the configured currency, not requested
)

// field maps one canonical field to a Bullhorn field.
type field struct {
	canonical string
	bh        string
	kind      valueKind
}

// objectSpec describes how one canonical object is pulled.
type objectSpec struct {
	canonical string
	entity    string
	deleted   string   // soft-delete flag field, "" for hard-deleted entities
	never     []string // canonical fields that are never requested
	all       []field
}

// order is the order of Objects: users first, since placements refer to
// them.
var order = []string{"user", "placement"}

func specsFor(cfg Config) map[string]objectSpec {
	return map[string]objectSpec{
		"placement": {canonical: "placement", entity: "Placement",
			never: []string{"candidate_id", "candidate_name"},
			all: []field{
				{"owner_id", "owner", assocID},
				{"status", "status", text},
				{"fee", cfg.FeeField, number},
				{"currency", "", constant},
				{"start_date", "dateBegin", instant},
				{"created_at", "dateAdded", instant},
			}},
		"user": {canonical: "user", entity: "CorporateUser", deleted: "isDeleted", all: []field{
			{"email", "email", text},
			{"first_name", "firstName", text},
			{"last_name", "lastName", text},
			{"is_active", "enabled", boolean},
			{"created_at", "userDateAdded", instant},
		}},
	}
}

// plan is what one object's sync requests and emits.
type plan struct {
	objectSpec
	fields      []field  // projected fields, id excluded
	unsupported []string // projected fields Bullhorn lacks or tally never pulls
	request     string   // the fields parameter
}

// newPlan resolves a projection of object into a plan, or nil when
// Bullhorn has no such object.
func newPlan(cfg Config, object string, projected []string) *plan {
	spec, ok := specsFor(cfg)[object]
	if !ok {
		return nil
	}
	p := &plan{objectSpec: spec}
	req := []string{"id", "dateLastModified"}
	if spec.deleted != "" {
		req = append(req, spec.deleted)
	}
	for _, name := range projected {
		i := slices.IndexFunc(spec.all, func(f field) bool { return f.canonical == name })
		switch {
		case name == "id" || slices.ContainsFunc(p.fields, func(f field) bool { return f.canonical == name }):
			continue
		case i < 0, spec.all[i].kind == constant && cfg.Currency == "":
			p.unsupported = append(p.unsupported, name)
			continue
		}
		f := spec.all[i]
		p.fields = append(p.fields, f)
		switch f.kind {
		case constant:
		case assocID:
			req = append(req, f.bh+"(id)")
		default:
			req = append(req, f.bh)
		}
	}
	slices.Sort(req[1:])
	p.request = strings.Join(slices.Compact(req), ",")
	return p
}

// value reads a field: a value of a shape the field never has is
// passed on as it came, for the validate stage to quarantine with rule
// type, rather than flattened into a plausible string by parse: an
// object (other than an association with a numeric id) or an array, or
// anything but a string in a text field.
func value(k valueKind, raw any) any {
	switch v := raw.(type) {
	case nil, string:
	case map[string]any:
		if _, ok := v["id"].(float64); !ok || k != assocID {
			return raw
		}
	case []any:
		return raw
	default:
		if k == text {
			return raw
		}
	}
	return parse(k, raw)
}

// parse turns a JSON value into the field's type. A value that does not
// parse is kept as a string, for the validate stage to quarantine by
// field and rule; null is nil.
func parse(k valueKind, raw any) any {
	switch v := raw.(type) {
	case nil:
		return nil
	case json.Number: // a page decoded with UseNumber: the vendor's text
		if n, ok := decimal.Number(string(v)); ok && k == number {
			return n
		}
		if f, err := v.Float64(); err == nil {
			return parse(k, f)
		}
		return v.String()
	case float64:
		switch k {
		case number:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return strconv.FormatFloat(v, 'g', -1, 64)
			}
			return v
		case instant:
			return time.UnixMilli(int64(v)).UTC()
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if k == boolean {
			return v
		}
		return strconv.FormatBool(v)
	case string:
		if k == text {
			return v
		}
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return v
	case map[string]any:
		if k == assocID {
			if id, ok := v["id"].(float64); ok {
				return strconv.FormatInt(int64(id), 10)
			}
		}
		return "unreadable association"
	}
	return "unreadable value"
}
