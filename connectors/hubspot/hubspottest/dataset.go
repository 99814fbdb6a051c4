package hubspottest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
)

type kind int

const (
	owners kind = iota
	contacts
	deals
)

var (
	idBase  = [...]int64{60_000_000, 1_000_000_000, 20_000_000_000}
	modProp = [...]string{"", "lastmodifieddate", "hs_lastmodifieddate"}
	names   = [...]string{"owners", "contacts", "deals"}
)

// kindOf accepts HubSpot object names and type ids, and tally's canonical
// names.
func kindOf(object string) (kind, bool) {
	switch object {
	case "owners", "owner", "user":
		return owners, true
	case "contacts", "contact", "0-1", "lead":
		return contacts, true
	case "deals", "deal", "0-3":
		return deals, true
	}
	return 0, false
}

// Sizes is how many records of each object a Dataset generates.
type Sizes struct{ Owners, Deals, Contacts int }

// mutation is what tests and the demo changed on one record.
type mutation struct {
	modified   time.Time
	archivedAt time.Time
	props      map[string]string
	raw        map[string]json.RawMessage // properties served as raw JSON
}

// Dataset is a deterministic HubSpot portal. Generated records are
// computed on demand from (seed, object, index); only mutations and
// injected deals are stored, so a Dataset of a million deals is cheap.
// Its methods are safe for concurrent use.
type Dataset struct {
	seed  int64
	sizes Sizes

	mu       sync.RWMutex
	over     [3]map[int]*mutation
	injected []map[string]string // deals after the generated ones
	dropped  [3]map[string]bool  // properties the portal does not have
}

// Generate returns the dataset of seed with n records; the same
// arguments always give the same records.
func Generate(seed int64, n Sizes) *Dataset {
	d := &Dataset{seed: seed, sizes: n}
	for k := range d.over {
		d.over[k] = map[int]*mutation{}
	}
	return d
}

// Sizes returns the generated sizes (injected deals not included).
func (d *Dataset) Sizes() Sizes { return d.sizes }

// Len returns the number of records of object, injected deals included.
func (d *Dataset) Len(object string) int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.n(mustKind(object))
}

func (d *Dataset) n(k kind) int {
	switch k {
	case owners:
		return d.sizes.Owners
	case contacts:
		return d.sizes.Contacts
	}
	return d.sizes.Deals + len(d.injected)
}

// ID returns the HubSpot id of the i-th record of object.
func (d *Dataset) ID(object string, i int) string { return d.id(mustKind(object), i) }

func (d *Dataset) id(k kind, i int) string { return strconv.FormatInt(idBase[k]+int64(i), 10) }

func (d *Dataset) index(k kind, id string) (int, bool) {
	v, err := strconv.ParseInt(id, 10, 64)
	if err != nil || v < idBase[k] || v-idBase[k] >= int64(d.n(k)) {
		return 0, false
	}
	return int(v - idBase[k]), true
}

func mustKind(object string) kind {
	k, ok := kindOf(object)
	if !ok {
		panic(fmt.Sprintf("hubspottest: unknown object %q", object))
	}
	return k
}

// mutate runs fn on the mutation of (object, id), creating it.
func (d *Dataset) mutate(object, id string, fn func(m *mutation)) {
	k := mustKind(object)
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.index(k, id)
	if !ok {
		panic(fmt.Sprintf("hubspottest: no %s record with id %q", names[k], id))
	}
	m := d.over[k][i]
	if m == nil {
		m = &mutation{}
		d.over[k][i] = m
	}
	fn(m)
}

// Touch sets the record's last-modified instant to at, as an edit in the
// CRM would. It panics on an unknown object or id.
func (d *Dataset) Touch(object, id string, at time.Time) {
	d.mutate(object, id, func(m *mutation) { m.modified = at.UTC().Truncate(time.Millisecond) })
}

// Archive archives the record at at; like HubSpot, it leaves the
// last-modified instant alone. It panics on an unknown object or id.
func (d *Dataset) Archive(object, id string, at time.Time) {
	d.mutate(object, id, func(m *mutation) { m.archivedAt = at.UTC().Truncate(time.Millisecond) })
}

// SetProperty overrides one property of a deal or contact (for example
// with a hostile value) without touching its modified date. It panics on
// an unknown object or id.
func (d *Dataset) SetProperty(object, id, prop, value string) {
	d.mutate(object, id, func(m *mutation) {
		if m.props == nil {
			m.props = map[string]string{}
		}
		m.props[prop] = value
	})
}

// SetRawProperty makes one property of a deal or contact go on the wire
// as raw JSON instead of a string (a nested object, a number, a string
// with a NUL), as a misbehaving portal or proxy might send it, without
// touching its modified date. It panics on an unknown object or id.
func (d *Dataset) SetRawProperty(object, id, prop string, raw json.RawMessage) {
	d.mutate(object, id, func(m *mutation) {
		if m.raw == nil {
			m.raw = map[string]json.RawMessage{}
		}
		m.raw[prop] = raw
	})
}

// DropProperty makes the portal lack a deal or contact property: the
// properties API does not list it and no record carries it (as when a
// portal never defined it). It panics on an unknown object.
func (d *Dataset) DropProperty(object, prop string) {
	k := mustKind(object)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dropped[k] == nil {
		d.dropped[k] = map[string]bool{}
	}
	d.dropped[k][prop] = true
}

// InjectDeal adds a deal created and modified at at whose name contains
// email and whose description contains phone, and returns its id.
func (d *Dataset) InjectDeal(email, phone string, at time.Time) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.sizes.Deals + len(d.injected)
	props, _, _ := d.genDeal(i)
	props["dealname"] = "Follow-up with " + email
	props["description"] = "left a voicemail at " + phone + ", retry Tuesday"
	props["createdate"] = iso(at)
	d.injected = append(d.injected, props)
	d.over[deals][i] = &mutation{modified: at.UTC().Truncate(time.Millisecond)}
	return d.id(deals, i)
}

// record is one record as the API shows it.
type record struct {
	id                string
	props             map[string]string // every property, including the system ones
	created, modified time.Time
	archivedAt        time.Time // zero unless archived
	owner             *owner
}

// times returns a record's effective instants; the caller holds d.mu.
func (d *Dataset) times(k kind, i int) (created, modified time.Time, archivedAt time.Time) {
	if k == deals && i >= d.sizes.Deals {
		created, _ = time.Parse(time.RFC3339, d.injected[i-d.sizes.Deals]["createdate"])
	} else {
		created, modified = newRNG(d.seed, k, i).Times(Epoch, windowOf(k), time.Millisecond)
	}
	if m := d.over[k][i]; m != nil {
		if !m.modified.IsZero() {
			modified = m.modified
		}
		archivedAt = m.archivedAt
	}
	if k == owners && archivedAt.After(modified) {
		modified = archivedAt // owners carry no archivedAt; updatedAt moves
	}
	return created, modified, archivedAt
}

// record builds record i of k; the caller holds d.mu.
func (d *Dataset) record(k kind, i int) record {
	r := record{id: d.id(k, i)}
	r.created, r.modified, r.archivedAt = d.times(k, i)
	switch {
	case k == owners:
		o := d.genOwner(i)
		r.owner = &o
		return r
	case k == contacts:
		r.props, _, _ = d.genContact(i)
	case i >= d.sizes.Deals:
		r.props = maps.Clone(d.injected[i-d.sizes.Deals])
	default:
		r.props, _, _ = d.genDeal(i)
	}
	r.props["hs_object_id"] = r.id
	r.props["createdate"] = iso(r.created)
	r.props[modProp[k]] = iso(r.modified)
	if m := d.over[k][i]; m != nil {
		maps.Copy(r.props, m.props)
	}
	return r
}

// Properties returns a copy of every property of a deal or contact (for
// owners: email, firstName, lastName), or nil for an unknown id.
func (d *Dataset) Properties(object, id string) map[string]string {
	k := mustKind(object)
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, ok := d.index(k, id)
	if !ok {
		return nil
	}
	r := d.record(k, i)
	if k == owners {
		return map[string]string{"email": r.owner.email, "firstName": r.owner.first, "lastName": r.owner.last}
	}
	return r.props
}

// archived returns the sorted indices of archived records of k; the
// caller holds d.mu.
func (d *Dataset) archived(k kind) []int {
	var out []int
	for i, m := range d.over[k] {
		if !m.archivedAt.IsZero() {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}
