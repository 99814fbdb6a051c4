package salesforcetest

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"time"
)

// exec is an open query: a snapshot of which records it returns, in
// which order, and how far the client has paged. The order is
// (SystemModstamp, Id) or Id; generated records are already in both
// orders by index, so only records whose modstamp a mutation moved are
// sorted (into moved) when the query opens.
type exec struct {
	q      *query
	all    bool // queryAll: soft-deleted records included
	n      int
	skip   map[int]bool // moved records, served from moved instead
	moved  []int
	gi, mi int
	served int
	total  int
	cheap  bool // every condition is on SystemModstamp
}

// open runs q against the dataset; the caller holds d.mu.
func (d *Dataset) open(q *query, all bool) *exec {
	x := &exec{q: q, all: all, n: d.count(q.kind), cheap: true}
	for _, c := range q.where {
		if c.field != "SystemModstamp" {
			x.cheap = false
		}
	}
	if !q.byID {
		x.moved = d.moved(q.kind)
		x.skip = make(map[int]bool, len(x.moved))
		for _, i := range x.moved {
			x.skip[i] = true
		}
		sort.SliceStable(x.moved, func(a, b int) bool {
			ma, _, _ := d.state(q.kind, x.moved[a])
			mb, _, _ := d.state(q.kind, x.moved[b])
			return ma.Before(mb) || (ma.Equal(mb) && x.moved[a] < x.moved[b])
		})
		x.gi = d.lowerBound(q)
	}
	// totalSize counts the whole result, as Salesforce's does.
	probe := *x
	for probe.next(d) >= 0 {
		x.total++
	}
	if q.limit > 0 {
		x.total = min(x.total, q.limit)
	}
	return x
}

// lowerBound is the first generated index a SystemModstamp lower bound
// of q admits (generated modstamps grow with the index).
func (d *Dataset) lowerBound(q *query) int {
	lo := 0
	for _, c := range q.where {
		t, ok := c.val.(time.Time)
		if c.field != "SystemModstamp" || !ok || (c.op != ">" && c.op != ">=") {
			continue
		}
		lo = max(lo, sort.Search(d.sizes.of(q.kind), func(i int) bool {
			m := d.modstamp(q.kind, i)
			return m.After(t) || (c.op == ">=" && m.Equal(t))
		}))
	}
	return lo
}

// admits reports whether record i is visible to the query and matches
// its conditions; the caller holds d.mu.
func (x *exec) admits(d *Dataset, i int) bool {
	ms, deleted, hard := d.state(x.q.kind, i)
	if hard || (deleted && !x.all) {
		return false
	}
	rec := map[string]any{"SystemModstamp": dateTime(ms)}
	if !x.cheap {
		rec, _ = d.record(x.q.kind, i)
	}
	for _, c := range x.q.where {
		if !c.match(rec) {
			return false
		}
	}
	return true
}

// next returns the index of the next record of the result and advances,
// or -1 at the end; the caller holds d.mu.
func (x *exec) next(d *Dataset) int {
	if x.q.limit > 0 && x.served >= x.q.limit {
		return -1
	}
	for x.gi < x.n && (x.skip[x.gi] || !x.admits(d, x.gi)) {
		x.gi++
	}
	for x.mi < len(x.moved) && !x.admits(d, x.moved[x.mi]) {
		x.mi++
	}
	g, m := -1, -1
	if x.gi < x.n {
		g = x.gi
	}
	if x.mi < len(x.moved) {
		m = x.moved[x.mi]
	}
	pick := g
	if m >= 0 {
		if g < 0 {
			pick = m
		} else {
			gm, _, _ := d.state(x.q.kind, g)
			mm, _, _ := d.state(x.q.kind, m)
			if mm.Before(gm) || (mm.Equal(gm) && m < g) {
				pick = m
			}
		}
	}
	switch {
	case pick < 0:
		return -1
	case pick == g:
		x.gi++
	default:
		x.mi++
	}
	x.served++
	return pick
}

// page encodes up to batch records of the result as the JSON records
// array, with "attributes" first and the selected fields in SELECT
// order; the caller holds d.mu.
func (x *exec) page(d *Dataset, version string, batch int) (records []byte, more bool) {
	var b bytes.Buffer
	b.WriteByte('[')
	for n := 0; n < batch; n++ {
		i := x.next(d)
		if i < 0 {
			break
		}
		rec, _ := d.record(x.q.kind, i)
		if n > 0 {
			b.WriteByte(',')
		}
		writeRecord(&b, x.q, rec, version)
	}
	b.WriteByte(']')
	probe := *x
	return b.Bytes(), probe.next(d) >= 0
}

func writeRecord(b *bytes.Buffer, q *query, rec map[string]any, version string) {
	attrs, _ := json.Marshal(map[string]any{
		"type": kindNames[q.kind],
		"url":  "/services/data/" + version + "/sobjects/" + kindNames[q.kind] + "/" + rec["Id"].(string),
	})
	b.WriteString(`{"attributes":`)
	b.Write(attrs)
	seen := map[string]bool{}
	for _, f := range q.fields {
		if seen[f] {
			continue
		}
		seen[f] = true
		v, _ := json.Marshal(rec[f])
		b.WriteString(`,` + strconv.Quote(f) + `:`)
		b.Write(v)
	}
	b.WriteByte('}')
}

// locators holds open queries by locator id, evicting the oldest past
// a cap, as Salesforce limits open cursors per user.
type locators struct {
	seq   int
	open  map[string]*exec
	order []string
	cap   int
}

func (l *locators) add(x *exec) string {
	l.seq++
	id := makeID("01g", l.seq)
	if l.open == nil {
		l.open = map[string]*exec{}
	}
	l.open[id] = x
	l.order = append(l.order, id)
	for len(l.order) > l.cap {
		delete(l.open, l.order[0])
		l.order = l.order[1:]
	}
	return id
}

func (l *locators) remove(id string) {
	delete(l.open, id)
	if i := slices.Index(l.order, id); i >= 0 {
		l.order = slices.Delete(l.order, i, i+1)
	}
}
