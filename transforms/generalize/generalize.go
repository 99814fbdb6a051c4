package generalize

import (
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// Day is the only coarse granularity schemas define.
const Day = "day"

// Stage generalizes time fields to their schema granularity. It is safe
// for concurrent use.
type Stage struct {
	cat *schemas.Catalog
}

// New returns the generalize stage for cat, which must not be nil.
func New(cat *schemas.Catalog) *Stage {
	if cat == nil {
		panic("generalize: nil catalog")
	}
	return &Stage{cat: cat}
}

// Name returns "generalize".
func (s *Stage) Name() string { return "generalize" }

// Apply rewrites, in place and in schema order, every present time field
// of r: granularity "day" becomes 00:00:00 UTC of the value's UTC
// calendar day; exact times are converted to UTC. Other fields, measures
// and their currencies included, are left as they are.
//
// It returns pipeline.Invalid with rule "object" for an unknown object
// and rule "type" when a time field holds anything but a time.Time (the
// validate stage coerces RFC 3339 strings before this stage runs).
func (s *Stage) Apply(r *pipeline.Record) error {
	obj, ok := s.cat.Object(r.Object)
	if !ok {
		return pipeline.Invalid("", "object")
	}
	for _, f := range obj.Fields {
		if f.Class != schemas.Time {
			continue
		}
		v, present := r.Fields[f.Name]
		if !present || v == nil {
			continue
		}
		t, ok := v.(time.Time)
		if !ok {
			return pipeline.Invalid(f.Name, "type")
		}
		if g := Generalize(t, f.Granularity); g != t {
			r.Fields[f.Name] = g // only when it changes: boxing allocates
		}
	}
	return nil
}

// Generalize returns t in UTC at granularity: "day" truncates to the
// start of the UTC calendar day, "" keeps the instant. The result carries
// no monotonic clock reading.
func Generalize(t time.Time, granularity string) time.Time {
	u := t.UTC()
	if granularity == Day {
		y, m, d := u.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return u.Round(0)
}
