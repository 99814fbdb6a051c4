package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// QuarantineKey is what quarantine counts are broken down by: the stage
// that rejected a record, the field ("" for the whole record) and the
// rule. Stages, fields and rules are schema names, so there are few of
// them; past maxQuarantineKeys distinct keys in one stream the rest are
// counted under the rule "other".
type QuarantineKey struct {
	Stage, Field, Rule string
}

const maxQuarantineKeys = 256

// AddQuarantine counts one quarantined record of the stream under its
// stage, field and rule (and in Quarantined).
func (c *StreamStats) AddQuarantine(stage, field, rule string) {
	k := QuarantineKey{Stage: stage, Field: field, Rule: rule}
	c.qmu.Lock()
	defer c.qmu.Unlock()
	if c.quarantine == nil {
		c.quarantine = map[QuarantineKey]int64{}
	}
	if _, ok := c.quarantine[k]; !ok && len(c.quarantine) >= maxQuarantineKeys {
		k = QuarantineKey{Rule: "other"}
	}
	c.quarantine[k]++
	c.Quarantined.Add(1)
}

// counts snapshots c, the counters of s.
func (c *StreamStats) counts(s Stream) StreamCounts {
	c.qmu.Lock()
	q := maps.Clone(c.quarantine)
	c.qmu.Unlock()
	return StreamCounts{Stream: s,
		Pulled: c.Pulled.Load(), Consumed: c.Consumed.Load(), Upserted: c.Upserted.Load(),
		Deleted: c.Deleted.Load(), Quarantined: c.Quarantined.Load(), Dropped: c.Dropped.Load(),
		PersonalSeen: c.PersonalSeen.Load(), PersonalKept: c.PersonalKept.Load(), Quarantine: q}
}

// Counts returns a snapshot of the counters of s.
func (st *Stats) Counts(s Stream) StreamCounts { return st.Stream(s).counts(s) }

// Sub returns what was counted between before, an earlier snapshot of
// the same stream, and c: the delta of a pass.
func (c StreamCounts) Sub(before StreamCounts) StreamCounts {
	d := StreamCounts{Stream: c.Stream,
		Pulled: c.Pulled - before.Pulled, Consumed: c.Consumed - before.Consumed,
		Upserted: c.Upserted - before.Upserted, Deleted: c.Deleted - before.Deleted,
		Quarantined: c.Quarantined - before.Quarantined, Dropped: c.Dropped - before.Dropped,
		PersonalSeen: c.PersonalSeen - before.PersonalSeen, PersonalKept: c.PersonalKept - before.PersonalKept}
	for k, n := range c.Quarantine {
		if n -= before.Quarantine[k]; n > 0 {
			if d.Quarantine == nil {
				d.Quarantine = map[QuarantineKey]int64{}
			}
			d.Quarantine[k] = n
		}
	}
	return d
}

// ByRule sums Quarantine over stages, by field and rule.
func (c StreamCounts) ByRule() map[FieldRule]int64 {
	out := map[FieldRule]int64{}
	for k, n := range c.Quarantine {
		out[FieldRule{k.Field, k.Rule}] += n
	}
	return out
}

// FieldRule is a field ("" for the whole record) and a rule.
type FieldRule struct{ Field, Rule string }

func (f FieldRule) String() string {
	if f.Field == "" {
		return "record/" + f.Rule
	}
	return f.Field + "/" + f.Rule
}

// FormatQuarantine renders quarantine counts by field and rule as
// "amount/type=3 close_date/range=1", sorted by field and rule.
func FormatQuarantine(byRule map[FieldRule]int64) string {
	keys := slices.SortedFunc(maps.Keys(byRule), func(a, b FieldRule) int {
		return strings.Compare(a.String(), b.String())
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, byRule[k])
	}
	return strings.Join(parts, " ")
}
