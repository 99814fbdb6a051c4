package pipedrivetest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Sizes is how many records of each object a Dataset generates.
type Sizes struct{ Users, Deals, Activities int }

// userIDBase makes user ids look like Pipedrive's (eight digits) and
// keeps them apart from deal ids.
const userIDBase = 12_000_000

// mutation is what tests and the demo changed on one deal.
type mutation struct {
	updated    time.Time
	deletedAt  time.Time
	archivedAt time.Time
	fields     map[string]any
}

// Dataset is a deterministic Pipedrive company. Generated deals are
// computed on demand from (seed, index); only mutations and injected
// deals are stored. Its methods are safe for concurrent use.
type Dataset struct {
	seed  int64
	sizes Sizes

	mu       sync.RWMutex
	over     map[int]*mutation // by deal index
	actOver  map[int]*mutation // by activity index
	injected []deal            // deals after the generated ones
}

// Generate returns the dataset of seed with n records; the same
// arguments always give the same records.
func Generate(seed int64, n Sizes) *Dataset {
	return &Dataset{seed: seed, sizes: n, over: map[int]*mutation{}, actOver: map[int]*mutation{}}
}

// Sizes returns the generated sizes (injected deals not included).
func (d *Dataset) Sizes() Sizes { return d.sizes }

// Deals returns the number of deals, injected ones included.
func (d *Dataset) Deals() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.n()
}

func (d *Dataset) n() int { return d.sizes.Deals + len(d.injected) }

// DealID returns the Pipedrive id of the i-th deal (ids start at 1).
func (d *Dataset) DealID(i int) string { return strconv.Itoa(i + 1) }

// UserID returns the Pipedrive id of the i-th user.
func (d *Dataset) UserID(i int) string { return strconv.Itoa(userIDBase + i + 1) }

func (d *Dataset) index(id string) (int, bool) {
	v, err := strconv.Atoi(id)
	if err != nil || v < 1 || v > d.n() {
		return 0, false
	}
	return v - 1, true
}

// mutate runs fn on the mutation of deal id, creating it.
func (d *Dataset) mutate(id string, fn func(m *mutation)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.index(id)
	if !ok {
		panic(fmt.Sprintf("pipedrivetest: no deal with id %q", id))
	}
	m := d.over[i]
	if m == nil {
		m = &mutation{}
		d.over[i] = m
	}
	fn(m)
}

func second(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// Touch sets the deal's update_time to at (Pipedrive keeps seconds), as
// an edit in the CRM would. It panics on an unknown id.
func (d *Dataset) Touch(id string, at time.Time) {
	d.mutate(id, func(m *mutation) { m.updated = second(at) })
}

// Delete marks the deal deleted at at: it leaves the default listing and
// appears under status=deleted, with is_deleted true and update_time at.
func (d *Dataset) Delete(id string, at time.Time) {
	d.mutate(id, func(m *mutation) { m.deletedAt, m.updated = second(at), second(at) })
}

// Archive archives the deal at at: it leaves /api/v2/deals and appears
// under /api/v2/deals/archived, with is_archived true and archive_time.
func (d *Dataset) Archive(id string, at time.Time) {
	d.mutate(id, func(m *mutation) { m.archivedAt, m.updated = second(at), second(at) })
}

// SetField overrides one wire field of a deal (for example value with a
// string, to make it malformed) without touching its update_time. It
// panics on an unknown id.
func (d *Dataset) SetField(id, field string, value any) {
	d.mutate(id, func(m *mutation) {
		if m.fields == nil {
			m.fields = map[string]any{}
		}
		m.fields[field] = value
	})
}

// InjectDeal adds an open deal added and updated at at whose title
// contains the given text (for example an email address), and returns its
// id.
func (d *Dataset) InjectDeal(title string, at time.Time) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.n()
	g := d.genDeal(i % max(d.sizes.Deals, 1))
	g.ID, g.Title = i+1, title
	g.AddTime, g.UpdateTime = rfc(second(at)), rfc(second(at))
	g.Status, g.WonTime, g.LostTime, g.CloseTime, g.LostReason = "open", nil, nil, nil, nil
	d.injected = append(d.injected, g)
	return d.DealID(i)
}

// deal renders deal i with its mutations; the caller holds d.mu.
func (d *Dataset) deal(i int) deal {
	var g deal
	if i >= d.sizes.Deals {
		g = d.injected[i-d.sizes.Deals]
		g.LabelIDs = slices.Clone(g.LabelIDs)
		g.CustomFields = maps.Clone(g.CustomFields)
	} else {
		g = d.genDeal(i)
	}
	m := d.over[i]
	if m == nil {
		return g
	}
	if !m.updated.IsZero() {
		g.UpdateTime = rfc(m.updated)
	}
	if !m.deletedAt.IsZero() {
		g.IsDeleted, g.Status = true, "deleted"
	}
	if !m.archivedAt.IsZero() {
		g.IsArchived, g.ArchiveTime = true, ptr(rfc(m.archivedAt))
	}
	g.overrides = m.fields
	return g
}

// updated returns deal i's update_time and state without rendering it;
// the caller holds d.mu.
func (d *Dataset) updated(i int) (at time.Time, deleted, archived bool) {
	if i >= d.sizes.Deals {
		at, _ = time.Parse(time.RFC3339, d.injected[i-d.sizes.Deals].UpdateTime)
	} else {
		_, at = times(newRNG(d.seed, kindDeal, i))
	}
	if m := d.over[i]; m != nil {
		if !m.updated.IsZero() {
			at = m.updated
		}
		deleted, archived = !m.deletedAt.IsZero(), !m.archivedAt.IsZero()
	}
	return at, deleted, archived
}
