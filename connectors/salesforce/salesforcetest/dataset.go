package salesforcetest

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Sizes is how many records of each sObject a Dataset generates.
type Sizes struct{ Users, Opportunities, Leads, Tasks, Events int }

func (s Sizes) of(k Kind) int {
	return [numKinds]int{s.Users, s.Opportunities, s.Leads, s.Tasks, s.Events}[k]
}

// mutation is what tests and the demo changed on one record.
type mutation struct {
	modstamp time.Time // zero: unchanged
	deleted  bool      // in the recycle bin: queryAll only
	hard     bool      // gone for good
	master   string    // MasterRecordId of a merged-away record
	fields   map[string]any
}

// Dataset is a deterministic Salesforce org. Generated records are
// computed on demand from (seed, kind, index); only mutations are
// stored. Its methods are safe for concurrent use.
type Dataset struct {
	seed  int64
	sizes Sizes
	// MultiCurrency adds the CurrencyIsoCode field to Opportunity and
	// Lead, as enabling multiple currencies in an org does.
	multiCurrency bool

	mu   sync.RWMutex
	over [numKinds]map[int]*mutation
	// created counts records Create added after the generated ones.
	created [numKinds]int
}

// Generate returns the org of seed with n records; the same arguments
// always give the same records.
func Generate(seed int64, n Sizes) *Dataset {
	d := &Dataset{seed: seed, sizes: n}
	for k := range d.over {
		d.over[k] = map[int]*mutation{}
	}
	return d
}

// SetMultiCurrency turns the org's multi-currency setting on or off.
func (d *Dataset) SetMultiCurrency(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.multiCurrency = on
}

// Sizes returns the generated sizes.
func (d *Dataset) Sizes() Sizes { return d.sizes }

// ID returns the id of the i-th record of k.
func (d *Dataset) ID(k Kind, i int) string { return makeID(keyPrefix[k], i) }

// count is how many records of k exist or existed: the generated ones
// and those Create added; the caller holds d.mu.
func (d *Dataset) count(k Kind) int { return d.sizes.of(k) + d.created[k] }

func (d *Dataset) mutate(id string, fn func(m *mutation)) {
	k, i := mustParse(id)
	d.mu.Lock()
	defer d.mu.Unlock()
	if i >= d.count(k) {
		panic("salesforcetest: id past the generated records")
	}
	m := d.over[k][i]
	if m == nil {
		m = &mutation{}
		d.over[k][i] = m
	}
	fn(m)
}

func stamp(at time.Time) time.Time { return at.UTC().Truncate(time.Millisecond) }

// Touch edits the record at at: its SystemModstamp and LastModifiedDate
// move to at. It panics on an id that is not generated.
func (d *Dataset) Touch(id string, at time.Time) {
	d.mutate(id, func(m *mutation) { m.modstamp = stamp(at) })
}

// Delete moves the record to the recycle bin at at: /query no longer
// returns it, /queryAll returns it with IsDeleted true.
func (d *Dataset) Delete(id string, at time.Time) {
	d.mutate(id, func(m *mutation) { m.modstamp, m.deleted = stamp(at), true })
}

// Create adds a record of k, created and last modified at at, and
// returns its id: the next id of k, so it sorts after every other.
func (d *Dataset) Create(k Kind, at time.Time) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := d.count(k)
	d.created[k]++
	d.over[k][i] = &mutation{modstamp: stamp(at)}
	return d.ID(k, i)
}

// HardDelete removes the record for good (an emptied recycle bin or a
// Bulk API hard delete): no query returns it any more.
func (d *Dataset) HardDelete(id string) {
	d.mutate(id, func(m *mutation) { m.hard = true })
}

// Merge merges lead loser into survivor at at: the loser is deleted with
// MasterRecordId pointing at the survivor, which is edited.
func (d *Dataset) Merge(loser, survivor string, at time.Time) {
	d.mutate(loser, func(m *mutation) { m.modstamp, m.deleted, m.master = stamp(at), true, survivor })
	d.Touch(survivor, at)
}

// SetField overrides one field of a record (for example with a value of
// the wrong type) without touching its SystemModstamp.
func (d *Dataset) SetField(id, field string, value any) {
	d.mutate(id, func(m *mutation) {
		if m.fields == nil {
			m.fields = map[string]any{}
		}
		m.fields[field] = value
	})
}

// Fields returns every field of a record as the API shows it, or nil
// for an unknown or hard-deleted id.
func (d *Dataset) Fields(id string) map[string]any {
	k, i, ok := parseID(id)
	if !ok {
		return nil
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if i >= d.count(k) {
		return nil
	}
	r, ok := d.record(k, i)
	if !ok {
		return nil
	}
	return r
}

// modstamp returns the generated SystemModstamp of record i of k: it
// grows with i, and every three consecutive records share one
// millisecond, so ties at page boundaries are common.
func (d *Dataset) modstamp(k Kind, i int) time.Time {
	n := d.sizes.of(k)
	step := max(int64(span/time.Millisecond)/int64(n/3+1), 1)
	return Epoch.Add(-span).Add(time.Duration(int64(i/3)*step) * time.Millisecond)
}

// state returns a record's effective modstamp and delete flags; the
// caller holds d.mu.
func (d *Dataset) state(k Kind, i int) (ms time.Time, deleted, hard bool) {
	ms = d.modstamp(k, i)
	if m := d.over[k][i]; m != nil {
		if !m.modstamp.IsZero() {
			ms = m.modstamp
		}
		return ms, m.deleted, m.hard
	}
	return ms, false, false
}

// record builds record i of k with every field; the caller holds d.mu.
func (d *Dataset) record(k Kind, i int) (map[string]any, bool) {
	ms, deleted, hard := d.state(k, i)
	if hard {
		return nil, false
	}
	r := d.generate(k, i)
	r["Id"] = d.ID(k, i)
	r["SystemModstamp"] = dateTime(ms)
	r["LastModifiedDate"] = dateTime(ms)
	if k != User {
		r["IsDeleted"] = deleted
	}
	if k == Lead {
		r["MasterRecordId"] = nil
	}
	if !d.multiCurrency {
		delete(r, "CurrencyIsoCode")
	}
	if m := d.over[k][i]; m != nil {
		if m.master != "" {
			r["MasterRecordId"] = m.master
		}
		maps.Copy(r, m.fields)
	}
	return r, true
}

// moved returns the indices of k's records whose modstamp was changed,
// sorted; the caller holds d.mu.
func (d *Dataset) moved(k Kind) []int {
	var out []int
	for i, m := range d.over[k] {
		if !m.modstamp.IsZero() {
			out = append(out, i)
		}
	}
	slices.Sort(out)
	return out
}
