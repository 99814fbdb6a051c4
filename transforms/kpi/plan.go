package kpi

import (
	"slices"

	"github.com/tally-dev/tally/schemas"
)

// plan is the enabled KPIs of one object compiled for Contributions:
// the distinct fields they read, which a record's map is asked for once
// each, and per KPI where its fields sit in that list.
type plan struct {
	fields []string
	kpis   []compiled
}

// compiled is one KPI: its fields as indexes into plan.fields, -1 for
// a field it does not have.
type compiled struct {
	name                                       string
	sum                                        bool
	day, when, rep, dimension, currency, value int
}

// maxPlanFields bounds the fields a plan reads into a stack array.
const maxPlanFields = 16

func newPlan(kpis []schemas.KPI) *plan {
	p := &plan{}
	index := func(name string) int {
		if name == "" {
			return -1
		}
		if i := slices.Index(p.fields, name); i >= 0 {
			return i
		}
		p.fields = append(p.fields, name)
		return len(p.fields) - 1
	}
	for _, k := range kpis {
		p.kpis = append(p.kpis, compiled{name: k.Name, sum: k.Measure == "sum",
			day: index(k.Day), when: index(k.When), rep: index(k.Rep), dimension: index(k.Dimension),
			currency: index(k.Currency), value: index(k.Value)})
	}
	return p
}

// values reads the plan's fields of a record's field map into buf (or a
// new slice when buf is too short).
func (p *plan) values(buf []any, fields map[string]any) []any {
	if len(p.fields) > len(buf) {
		buf = make([]any, len(p.fields))
	}
	buf = buf[:len(p.fields)]
	for i, f := range p.fields {
		buf[i] = fields[f]
	}
	return buf
}

// at returns vals[i], nil for a field the KPI does not have (i < 0).
func at(vals []any, i int) any {
	if i < 0 {
		return nil
	}
	return vals[i]
}
