package kpi

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/decimal"
	"github.com/tally-dev/tally/schemas"
)

// Key identifies one rollup row: a metric of a tenant on a UTC day, per
// rep pseudonym, dimension value and currency. Absent rep, dimension and
// currency are "", never a distinct null.
type Key struct {
	Tenant    string
	Metric    string
	Rep       string
	Dimension string
	Currency  string
	Day       time.Time
}

// Delta is a change to one rollup row: Value is added to the row's value
// and N (the number of contributing facts) to its count. Value is exact:
// deltas are summed in decimal, never in floating point.
type Delta struct {
	Key
	Value decimal.Decimal
	N     int64
}

// Calculator computes rollup contributions of facts for a fixed set of
// enabled KPIs. It is immutable and safe for concurrent use.
type Calculator struct {
	byObject map[string][]schemas.KPI
	plans    map[string]*plan // by object, compiled from byObject
}

// New returns a calculator for the named KPIs of cat. Every unknown or
// repeated name is reported.
func New(cat *schemas.Catalog, enabled []string) (*Calculator, error) {
	c := &Calculator{byObject: map[string][]schemas.KPI{}}
	seen := map[string]bool{}
	var errs []error
	for _, name := range enabled {
		if seen[name] {
			errs = append(errs, fmt.Errorf("kpi %s enabled twice", name))
			continue
		}
		seen[name] = true
		k, ok := cat.KPI(name)
		if !ok {
			errs = append(errs, fmt.Errorf("unknown kpi %q", name))
			continue
		}
		c.byObject[k.Object] = append(c.byObject[k.Object], k)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	c.plans = make(map[string]*plan, len(c.byObject))
	for object, kpis := range c.byObject {
		c.plans[object] = newPlan(kpis)
	}
	return c, nil
}

// Fields lists, sorted and without repeats, the fields of object that the
// enabled KPIs read.
func (c *Calculator) Fields(object string) []string {
	set := map[string]bool{}
	for _, k := range c.byObject[object] {
		for _, f := range k.Fields() {
			set[f] = true
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// Contributions returns what one fact adds to the rollups, sorted by key:
// one delta per enabled KPI of r.Object whose day field holds a time and
// whose When field, if any, is true. Rep, Dimension and Currency take the
// string values of the KPI's fields ("" when absent); Value is 1 for a
// count and the value field for a sum (0 when absent, while N still
// counts the fact). A nil record, or one that contributes nothing, gives
// nil.
func (c *Calculator) Contributions(r *pipeline.Record) []Delta {
	if r == nil {
		return nil
	}
	out := c.AppendContributions(make([]Delta, 0, len(c.byObject[r.Object])), r)
	if len(out) == 0 {
		return nil
	}
	return out
}

// AppendContributions appends Contributions(r) to dst and returns the
// extended slice, so that a caller may reuse one buffer.
func (c *Calculator) AppendContributions(dst []Delta, r *pipeline.Record) []Delta {
	if r == nil {
		return dst
	}
	p := c.plans[r.Object]
	if p == nil {
		return dst
	}
	var buf [maxPlanFields]any
	vals := p.values(buf[:], r.Fields)
	n := len(dst)
	for i := range p.kpis {
		d, ok := contribution(&p.kpis[i], r.Tenant, vals)
		if ok {
			dst = append(dst, d)
		}
	}
	sortDeltas(dst[n:])
	return dst
}

func contribution(k *compiled, tenant string, vals []any) (Delta, bool) {
	day, ok := at(vals, k.day).(time.Time)
	if !ok || day.IsZero() {
		return Delta{}, false
	}
	if k.when >= 0 {
		if b, _ := vals[k.when].(bool); !b {
			return Delta{}, false
		}
	}
	rep, _ := at(vals, k.rep).(string)
	dimension, _ := at(vals, k.dimension).(string)
	currency, _ := at(vals, k.currency).(string)
	d := Delta{
		Key:   Key{Tenant: tenant, Metric: k.name, Rep: rep, Dimension: dimension, Currency: currency, Day: Day(day)},
		Value: one,
		N:     1,
	}
	if k.sum {
		d.Value = number(at(vals, k.value))
	}
	return d, true
}

// Diff returns Contributions(new) minus Contributions(old), merged by key
// and sorted, without zero deltas (nil when none). A nil old is an
// insert, a nil new a delete.
func (c *Calculator) Diff(old, new *pipeline.Record) []Delta {
	return c.AppendDiff(nil, old, new)
}

// AppendDiff appends Diff(old, new) to dst and returns the extended
// slice, so that a caller may reuse one buffer.
func (c *Calculator) AppendDiff(dst []Delta, old, new *pipeline.Record) []Delta {
	// Both lists are sorted and hold each key once (one delta per KPI),
	// so one merge pass combines them without a map. The scratch arrays
	// keep the usual few deltas off the heap.
	var addBuf, subBuf [4]Delta
	add := c.AppendContributions(addBuf[:0], new)
	sub := c.AppendContributions(subBuf[:0], old)
	for len(add) > 0 || len(sub) > 0 {
		switch cmp := compareDeltas(add, sub); {
		case cmp < 0:
			dst = append(dst, add[0]) // N is 1: never zero
			add = add[1:]
		case cmp > 0:
			dst = append(dst, negate(sub[0]))
			sub = sub[1:]
		default:
			d := add[0]
			d.Value, d.N = d.Value.Sub(sub[0].Value), d.N-sub[0].N
			if !d.Value.IsZero() || d.N != 0 {
				dst = append(dst, d)
			}
			add, sub = add[1:], sub[1:]
		}
	}
	return dst
}

// compareDeltas compares the heads of two sorted delta lists by key; an
// empty list sorts after any delta.
func compareDeltas(a, b []Delta) int {
	switch {
	case len(a) == 0:
		return 1
	case len(b) == 0:
		return -1
	}
	return Compare(a[0].Key, b[0].Key)
}

func negate(d Delta) Delta {
	d.Value, d.N = d.Value.Neg(), -d.N
	return d
}

// Merge adds sign (+1 or -1) times each delta to m, keyed by Key, and returns m
// (allocated when nil).
func Merge(m map[Key]Delta, ds []Delta, sign int) map[Key]Delta {
	if m == nil {
		m = map[Key]Delta{}
	}
	for _, d := range ds {
		cur := m[d.Key]
		cur.Key = d.Key
		if sign < 0 {
			cur.Value = cur.Value.Sub(d.Value)
		} else {
			cur.Value = cur.Value.Add(d.Value)
		}
		cur.N += int64(sign) * d.N
		m[d.Key] = cur
	}
	return m
}

// Sorted returns the non-zero deltas of m ordered by key (see Less).
func Sorted(m map[Key]Delta) []Delta {
	// Sort pointers, then copy once: a Delta is some 150 bytes, which
	// the sort would otherwise move at every swap.
	ptrs := make([]*Delta, 0, len(m))
	all := make([]Delta, 0, len(m))
	for _, d := range m {
		if !d.Value.IsZero() || d.N != 0 {
			all = append(all, d)
			ptrs = append(ptrs, &all[len(all)-1])
		}
	}
	if len(ptrs) == 0 {
		return nil
	}
	slices.SortFunc(ptrs, func(a, b *Delta) int { return Compare(a.Key, b.Key) })
	out := make([]Delta, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out
}

// Less orders keys by tenant, metric, day, rep, dimension and currency,
// the order in which writers lock rollup rows.
func Less(a, b Key) bool { return Compare(a, b) < 0 }

// Compare returns -1, 0 or +1 as a sorts before, with or after b in the
// order of Less.
func Compare(a, b Key) int {
	if c := strings.Compare(a.Tenant, b.Tenant); c != 0 {
		return c
	}
	if c := strings.Compare(a.Metric, b.Metric); c != 0 {
		return c
	}
	if c := a.Day.Compare(b.Day); c != 0 {
		return c
	}
	if c := strings.Compare(a.Rep, b.Rep); c != 0 {
		return c
	}
	if c := strings.Compare(a.Dimension, b.Dimension); c != 0 {
		return c
	}
	return strings.Compare(a.Currency, b.Currency)
}

func sortDeltas(ds []Delta) {
	slices.SortFunc(ds, func(a, b Delta) int { return Compare(a.Key, b.Key) })
}

// Day returns the UTC calendar day of t as midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var one = decimal.FromInt(1)

// number is the value of a measure field: the decimal.Decimal that
// validate stores; a float64 or an integer (records built in Go) by its
// shortest representation; 0 for anything else, including absent.
func number(v any) decimal.Decimal {
	switch n := v.(type) {
	case decimal.Decimal:
		return n
	case float64:
		d, _ := decimal.FromFloat(n)
		return d
	case float32:
		d, _ := decimal.FromFloat(float64(n))
		return d
	case int:
		return decimal.FromInt(int64(n))
	case int64:
		return decimal.FromInt(n)
	}
	return decimal.Decimal{}
}
