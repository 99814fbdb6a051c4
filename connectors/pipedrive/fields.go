package pipedrive

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline/decimal"
)

// item is one deal or user as the API sends it, reduced to the fields
// any mapping reads. Values stay untyped so that a malformed one can be
// passed on raw for the validate stage to quarantine.
type item struct {
	ID                any `json:"id"`
	OwnerID           any `json:"owner_id"`
	PipelineID        any `json:"pipeline_id"`
	StageID           any `json:"stage_id"`
	Value             any `json:"value"`
	Currency          any `json:"currency"`
	Status            any `json:"status"`
	AddTime           any `json:"add_time"`
	UpdateTime        any `json:"update_time"`
	CloseTime         any `json:"close_time"`
	WonTime           any `json:"won_time"`
	ExpectedCloseDate any `json:"expected_close_date"`
	IsDeleted         any `json:"is_deleted"`
	IsArchived        any `json:"is_archived"`
	ArchiveTime       any `json:"archive_time"`
	// activities (v2); subject, note, public_description, person_id,
	// participants, attendees and location are never decoded
	Type    any `json:"type"`
	DueDate any `json:"due_date"`
	// users (v1)
	Email      any `json:"email"`
	ActiveFlag any `json:"active_flag"`
	Created    any `json:"created"`
	Modified   any `json:"modified"`
}

// UnmarshalJSON decodes an item leniently: a value that is not a JSON
// object is an item without attributes (a record without an id, which
// validate rejects), never an error of its page.
func (it *item) UnmarshalJSON(b []byte) error {
	type plain item
	*it = item(crmhttp.Lenient[plain](b))
	return nil
}

// field maps one canonical field to a reader of the vendor item.
type field struct {
	canonical string
	read      func(it *item) any
}

// order is the order of Objects: users first, since deals and
// activities refer to them.
var order = []string{"user", "deal", "activity"}

var specs = map[string][]field{
	"deal": {
		{"owner_id", func(it *item) any { return idString(it.OwnerID) }},
		{"stage", func(it *item) any { return idString(it.StageID) }},
		{"pipeline", func(it *item) any { return idString(it.PipelineID) }},
		{"is_won", func(it *item) any { return statusIs(it.Status, "won") }},
		{"is_closed", func(it *item) any { return statusIs(it.Status, "won", "lost") }},
		{"amount", func(it *item) any { return number(it.Value) }},
		{"currency", func(it *item) any { return text(it.Currency) }},
		{"close_date", func(it *item) any { return instant(firstSet(it.CloseTime, it.WonTime, it.ExpectedCloseDate)) }},
		{"created_at", func(it *item) any { return instant(it.AddTime) }},
	},
	"activity": {
		{"owner_id", func(it *item) any { return idString(it.OwnerID) }},
		{"type", func(it *item) any { return text(it.Type) }},
		{"occurred_at", func(it *item) any { return instant(firstSet(it.DueDate, it.AddTime)) }},
	},
	"user": {
		{"email", func(it *item) any { return text(it.Email) }},
		{"is_active", func(it *item) any { return boolean(it.ActiveFlag) }},
		{"created_at", func(it *item) any { return instant(it.Created) }},
	},
}

// plan is what one object's sync emits.
type plan struct {
	object      string
	fields      []field
	unsupported []string // projected fields Pipedrive does not have
}

// newPlan resolves a projection of object into a plan, or nil when the
// connector does not pull such an object.
func newPlan(object string, projected []string) *plan {
	all, ok := specs[object]
	if !ok {
		return nil
	}
	p := &plan{object: object}
	for _, name := range projected {
		if name == "id" || slices.ContainsFunc(p.fields, func(f field) bool { return f.canonical == name }) {
			continue
		}
		i := slices.IndexFunc(all, func(f field) bool { return f.canonical == name })
		if i < 0 {
			p.unsupported = append(p.unsupported, name)
			continue
		}
		p.fields = append(p.fields, all[i])
	}
	return p
}

// firstSet returns the first value that is neither nil nor "".
func firstSet(vs ...any) any {
	for _, v := range vs {
		if s, ok := v.(string); v != nil && (!ok || strings.TrimSpace(s) != "") {
			return v
		}
	}
	return nil
}

// raw passes on a value of an unexpected JSON type (a number or bool
// where text belongs, a nested object or array) as it came, so that the
// validate stage quarantines the record with rule type.
func raw(v any) any { return v }

// idString reads a numeric id (Pipedrive sends numbers) as a string.
func idString(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return strconv.FormatInt(int64(x), 10)
		}
	case string:
		if x = strings.TrimSpace(x); x == "" {
			return nil
		}
		return x
	}
	return raw(v)
}

func text(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil
		}
		return x
	}
	return raw(v)
}

func number(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case float64:
		return x
	case json.Number: // a page decoded with UseNumber: the vendor's text
		if n, ok := decimal.Number(string(x)); ok {
			return n
		}
	}
	return raw(v)
}

func boolean(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		return x
	}
	return raw(v)
}

// statusIs maps a deal status to whether it is one of want; a status
// Pipedrive does not document is passed on raw.
func statusIs(v any, want ...string) any {
	s, ok := v.(string)
	if !ok {
		return raw(v)
	}
	switch s {
	case "open", "won", "lost", "deleted":
		return slices.Contains(want, s)
	}
	return s
}

// instant reads the time forms Pipedrive sends: RFC 3339 (v2), "YYYY-MM-DD
// HH:MM:SS" in UTC (v1) and plain dates.
func instant(v any) any {
	if v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		return raw(v)
	}
	if t, ok := parseTime(s); ok {
		return t
	}
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return s
}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// version reads an update time; a missing or malformed one is the zero
// time, which validate rejects for upserts.
func version(v any) time.Time {
	s, _ := v.(string)
	t, _ := parseTime(s)
	return t
}
