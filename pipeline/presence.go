package pipeline

import (
	"maps"
	"slices"
)

// presence tracks which projected fields the upserts of one stream's
// pass carried with a value, so that a property the CRM never returns
// (renamed, not readable with the token's scopes) is reported instead of
// leaving its KPIs silently empty.
type presence struct {
	kpis    map[string][]string // projected field → KPIs it feeds
	seen    map[string]bool
	upserts int
}

func newPresence(kpis map[string][]string) presence {
	return presence{kpis: kpis, seen: map[string]bool{}}
}

// note records the fields r carries with a non-nil value.
func (p *presence) note(r *Record) {
	if p.kpis == nil || r.Op != OpUpsert {
		return
	}
	p.upserts++
	if len(p.seen) == len(p.kpis) {
		return
	}
	for f := range p.kpis {
		if !p.seen[f] && r.Fields[f] != nil {
			p.seen[f] = true
		}
	}
}

// MissingField is a projected field that no upsert of a pass carried.
type MissingField struct {
	Field string
	KPIs  []string // the KPIs it feeds
}

// missing returns the projected fields that no upsert of the pass had a
// value for, sorted; nil when the pass had no upsert.
func (p *presence) missing() []MissingField {
	if p.upserts == 0 {
		return nil
	}
	var out []MissingField
	for _, f := range slices.Sorted(maps.Keys(p.kpis)) {
		if !p.seen[f] {
			out = append(out, MissingField{Field: f, KPIs: p.kpis[f]})
		}
	}
	return out
}
