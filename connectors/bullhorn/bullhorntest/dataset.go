package bullhorntest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"
)

// entity is a Bullhorn entity the fake serves.
type entity int

const (
	users entity = iota
	placements
)

var (
	entityNames = [...]string{"CorporateUser", "Placement"}
	idBase      = [...]int{1000, 10_000}
)

// entityOf accepts Bullhorn entity names and tally's canonical names.
func entityOf(name string) (entity, bool) {
	switch name {
	case "CorporateUser", "user":
		return users, true
	case "Placement", "placement":
		return placements, true
	}
	return 0, false
}

func mustEntity(name string) entity {
	e, ok := entityOf(name)
	if !ok {
		panic(fmt.Sprintf("bullhorntest: unknown entity %q", name))
	}
	return e
}

// Sizes is how many records of each entity a Dataset generates.
type Sizes struct{ Users, Placements int }

// mutation is what tests and the demo changed on one record.
type mutation struct {
	modified time.Time
	deleted  bool
	fields   map[string]any
}

// Dataset is a deterministic Bullhorn corporation. Records are computed
// on demand from (seed, entity, index); only mutations, injected
// placements and a sorted index of modification times are stored. Its
// methods are safe for concurrent use.
type Dataset struct {
	seed  int64
	sizes Sizes

	mu       sync.RWMutex
	over     [2]map[int]*mutation
	injected []map[string]any // placements after the generated ones
	byMod    [2][]entry       // by (dateLastModified, id); nil when stale
}

// entry is one live record in the index.
type entry struct {
	mod int64 // epoch ms
	i   int
}

// Generate returns the dataset of seed with n records; the same
// arguments always give the same records.
func Generate(seed int64, n Sizes) *Dataset {
	d := &Dataset{seed: seed, sizes: n}
	for e := range d.over {
		d.over[e] = map[int]*mutation{}
	}
	return d
}

// Sizes returns the generated sizes (injected placements not included).
func (d *Dataset) Sizes() Sizes { return d.sizes }

func (d *Dataset) n(e entity) int {
	if e == users {
		return d.sizes.Users
	}
	return d.sizes.Placements + len(d.injected)
}

// Len returns how many records of the entity exist, deleted ones
// included (a hard-deleted placement still counts).
func (d *Dataset) Len(name string) int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.n(mustEntity(name))
}

// ID returns the Bullhorn id, as a string, of the i-th record of entity.
func (d *Dataset) ID(name string, i int) string {
	return strconv.Itoa(idBase[mustEntity(name)] + i)
}

func (d *Dataset) position(e entity, id string) (int, bool) {
	v, err := strconv.Atoi(id)
	if err != nil || v < idBase[e] || v-idBase[e] >= d.n(e) {
		return 0, false
	}
	return v - idBase[e], true
}

// mutate runs fn on the mutation of (entity, id), creating it, and marks
// the index stale. It panics on an unknown entity or id.
func (d *Dataset) mutate(name, id string, fn func(m *mutation)) {
	e := mustEntity(name)
	d.mu.Lock()
	defer d.mu.Unlock()
	i, ok := d.position(e, id)
	if !ok {
		panic(fmt.Sprintf("bullhorntest: no %s with id %q", entityNames[e], id))
	}
	m := d.over[e][i]
	if m == nil {
		m = &mutation{}
		d.over[e][i] = m
	}
	fn(m)
	d.byMod[e] = nil
}

// Touch sets the record's dateLastModified to at, as an edit would.
func (d *Dataset) Touch(name, id string, at time.Time) {
	d.mutate(name, id, func(m *mutation) { m.modified = at.UTC().Truncate(time.Millisecond) })
}

// Delete deletes the record at at the way Bullhorn does for its entity:
// a CorporateUser is soft-deleted (isDeleted true, dateLastModified at),
// a Placement is hard-deleted and disappears from every answer.
func (d *Dataset) Delete(name, id string, at time.Time) {
	d.mutate(name, id, func(m *mutation) {
		m.deleted = true
		m.modified = at.UTC().Truncate(time.Millisecond)
	})
}

// SetField overrides one field of a record (for example with a hostile
// or unparseable value) without touching dateLastModified.
func (d *Dataset) SetField(name, id, field string, value any) {
	d.mutate(name, id, func(m *mutation) {
		if m.fields == nil {
			m.fields = map[string]any{}
		}
		m.fields[field] = value
	})
}

// InjectPlacement adds a placement added and modified at at whose
// comments hold text (for example an email address), and returns its id.
func (d *Dataset) InjectPlacement(text string, at time.Time) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.sizes.Placements + len(d.injected)
	r := d.placement(i % max(d.sizes.Placements, 1))
	r["comments"] = text
	r["dateAdded"] = at.UnixMilli()
	d.injected = append(d.injected, r)
	d.over[placements][i] = &mutation{modified: at.UTC().Truncate(time.Millisecond)}
	d.byMod[placements] = nil
	return strconv.Itoa(idBase[placements] + i)
}

// times returns a record's effective instants and deletion; the caller
// holds d.mu.
func (d *Dataset) times(e entity, i int) (added, modified time.Time, deleted bool) {
	if e == placements && i >= d.sizes.Placements {
		added = time.UnixMilli(d.injected[i-d.sizes.Placements]["dateAdded"].(int64)).UTC()
	} else {
		added, modified = newRNG(d.seed, e, i).Times(Epoch, windowOf(e), time.Millisecond)
	}
	if m := d.over[e][i]; m != nil {
		if !m.modified.IsZero() {
			modified = m.modified
		}
		deleted = m.deleted
	}
	return added, modified, deleted
}

// live reports whether record i of e is served at all (hard-deleted
// placements are not); the caller holds d.mu.
func (d *Dataset) live(e entity, i int) bool {
	m := d.over[e][i]
	return !(e == placements && m != nil && m.deleted)
}

// sorted returns the index of e by (dateLastModified, id), building it
// when stale. The caller holds d.mu for reading; building upgrades.
func (d *Dataset) sorted(e entity) []entry {
	d.mu.RLock()
	idx := d.byMod[e]
	d.mu.RUnlock()
	if idx != nil {
		return idx
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byMod[e] != nil {
		return d.byMod[e]
	}
	idx = make([]entry, 0, d.n(e))
	for i := range d.n(e) {
		if d.live(e, i) {
			_, mod, _ := d.times(e, i)
			idx = append(idx, entry{mod.UnixMilli(), i})
		}
	}
	slices.SortFunc(idx, func(a, b entry) int {
		if a.mod != b.mod {
			return int(a.mod - b.mod)
		}
		return a.i - b.i
	})
	d.byMod[e] = idx
	return idx
}

// record returns every field of record i of e as Bullhorn shows it;
// the caller holds d.mu.
func (d *Dataset) record(e entity, i int) map[string]any {
	var r map[string]any
	switch {
	case e == users:
		r = d.user(i)
	case i >= d.sizes.Placements:
		r = maps.Clone(d.injected[i-d.sizes.Placements])
	default:
		r = d.placement(i)
	}
	r["id"] = idBase[e] + i
	_, mod, deleted := d.times(e, i)
	r["dateLastModified"] = mod.UnixMilli()
	if e == users {
		r["isDeleted"] = deleted
	}
	if m := d.over[e][i]; m != nil {
		maps.Copy(r, m.fields)
	}
	return r
}

func (d *Dataset) user(i int) map[string]any {
	u := d.genUser(i)
	added, _, _ := d.times(users, i)
	return map[string]any{
		"firstName": u.first, "lastName": u.last, "name": u.first + " " + u.last,
		"email": u.email, "phone": u.phone, "username": u.username,
		"enabled": i%9 != 8, "userDateAdded": added.UnixMilli(),
	}
}

func (d *Dataset) placement(i int) map[string]any {
	p := d.genPlacement(i)
	added, _ := newRNG(d.seed, placements, i).Times(Epoch, windowOf(placements), time.Millisecond)
	begin := added.Add(time.Duration(p.beginDays) * 24 * time.Hour)
	var end any
	if p.employment != "Permanent" {
		end = begin.Add(180 * 24 * time.Hour).UnixMilli()
	}
	var owner any
	if p.owner >= 0 {
		u := d.genUser(p.owner)
		owner = map[string]any{"id": idBase[users] + p.owner, "firstName": u.first, "lastName": u.last}
	}
	return map[string]any{
		"candidate":      map[string]any{"id": p.candidateID, "firstName": p.candidate.first, "lastName": p.candidate.last},
		"jobOrder":       map[string]any{"id": p.jobOrderID, "title": p.jobTitle},
		"owner":          owner,
		"status":         p.status,
		"employmentType": p.employment,
		"dateAdded":      added.UnixMilli(),
		"dateBegin":      begin.UnixMilli(),
		"dateEnd":        end,
		"clientBillRate": p.billRate,
		"payRate":        p.payRate,
		"salary":         p.salary,
		"salaryUnit":     "Per Year",
		"fee":            p.fee,
		"comments":       p.comments,
	}
}

// Record returns a copy of every field of a record as the API shows it,
// or nil for an unknown or hard-deleted id.
func (d *Dataset) Record(name, id string) map[string]any {
	e := mustEntity(name)
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, ok := d.position(e, id)
	if !ok || !d.live(e, i) {
		return nil
	}
	return d.record(e, i)
}
