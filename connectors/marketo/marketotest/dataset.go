package marketotest

import (
	"fmt"
	"maps"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Sizes is how many leads and activities a Dataset generates.
type Sizes struct{ Leads, Activities int }

// LeadFields are the lead fields the fake knows, by their REST names;
// mqlDate stands for a subscription's custom MQL date field.
var LeadFields = []string{"id", "createdAt", "updatedAt", "leadSource", "leadStatus", "mqlDate",
	"firstName", "lastName", "email", "phone", "company"}

// leadMutation is what tests and the demo changed on one lead.
type leadMutation struct {
	updated time.Time
	deleted bool
	fields  map[string]any
}

// entry is one activity in the log after the generated ones, or one
// Delete Lead activity.
type entry struct {
	pos  pos
	item map[string]any
}

// pos orders activities as Marketo's paging tokens do: by activity date
// (seconds), then id.
type pos struct {
	sec int64
	id  int
}

func (p pos) after(q pos) bool { return p.sec > q.sec || (p.sec == q.sec && p.id > q.id) }

// Dataset is a deterministic Marketo subscription. Leads and activities
// are computed on demand from (seed, index); only mutations, added
// activities and the deleted-lead log are stored. Its methods are safe
// for concurrent use.
type Dataset struct {
	seed  int64
	sizes Sizes

	mu      sync.RWMutex
	leads   map[int]*leadMutation
	actOver map[int]map[string]any
	added   []entry
	deletes []entry
	nextID  int
	last    time.Time
}

// Generate returns the dataset of seed with the given sizes; the same
// arguments always give the same records.
func Generate(seed int64, n Sizes) *Dataset {
	return &Dataset{seed: seed, sizes: n, leads: map[int]*leadMutation{}, actOver: map[int]map[string]any{},
		nextID: activityBase + n.Activities, last: Epoch}
}

// Sizes returns the generated sizes.
func (d *Dataset) Sizes() Sizes { return d.sizes }

// LeadID returns the Marketo id, as a string, of the i-th lead.
func (d *Dataset) LeadID(i int) string { return strconv.Itoa(leadBase + i) }

// ActivityID returns the id, as a string, of the i-th generated activity.
func (d *Dataset) ActivityID(i int) string { return strconv.Itoa(activityBase + i) }

func (d *Dataset) leadIndex(id string) int {
	v, err := strconv.Atoi(id)
	if err != nil || v < leadBase || v-leadBase >= d.sizes.Leads {
		panic(fmt.Sprintf("marketotest: no lead with id %q", id))
	}
	return v - leadBase
}

func (d *Dataset) mutate(id string, fn func(m *leadMutation)) {
	i := d.leadIndex(id)
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.leads[i]
	if m == nil {
		m = &leadMutation{}
		d.leads[i] = m
	}
	fn(m)
}

// Touch sets the lead's updatedAt to at (to the second), as an edit would.
func (d *Dataset) Touch(id string, at time.Time) {
	d.mutate(id, func(m *leadMutation) { m.updated = at.UTC().Truncate(time.Second) })
}

// SetField overrides one lead field (a REST name, e.g. "createdAt") with
// a value the CSV file shows verbatim, without touching updatedAt.
func (d *Dataset) SetField(id, field string, v any) {
	d.mutate(id, func(m *leadMutation) {
		if m.fields == nil {
			m.fields = map[string]any{}
		}
		m.fields[field] = v
	})
}

// Delete deletes the lead at at: it leaves every extract and a Delete
// Lead activity (type 37) appears in deletedleads.json.
func (d *Dataset) Delete(id string, at time.Time) {
	i := d.leadIndex(id)
	l := d.genLead(i)
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.leads[i]
	if m == nil {
		m = &leadMutation{}
		d.leads[i] = m
	}
	if m.deleted {
		return
	}
	m.deleted = true
	p := d.nextPos(at)
	d.deletes = append(d.deletes, entry{p, map[string]any{
		"id": p.id, "marketoGUID": strconv.Itoa(p.id), "leadId": leadBase + i,
		"activityDate": time.Unix(p.sec, 0).UTC().Format(time.RFC3339), "activityTypeId": 37,
		"primaryAttributeValueId": leadBase + i, "primaryAttributeValue": l.last + ", " + l.first,
		"attributes": []map[string]any{},
	}})
}

// nextPos allocates the next activity id at at, never before an earlier
// added activity; the caller holds d.mu.
func (d *Dataset) nextPos(at time.Time) pos {
	at = at.UTC().Truncate(time.Second)
	if at.Before(d.last) {
		at = d.last
	}
	d.last = at
	d.nextID++
	return pos{at.Unix(), d.nextID}
}

// AddActivity logs a new activity of typeID for the i-th lead at at and
// returns its id.
func (d *Dataset) AddActivity(typeID, lead int, at time.Time) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.nextPos(at)
	d.added = append(d.added, entry{p, map[string]any{
		"id": p.id, "marketoGUID": strconv.Itoa(p.id), "leadId": leadBase + lead,
		"activityDate": time.Unix(p.sec, 0).UTC().Format(time.RFC3339), "activityTypeId": typeID,
		"primaryAttributeValueId": 1, "primaryAttributeValue": "www.example.com/", "attributes": []map[string]any{},
	}})
	return strconv.Itoa(p.id)
}

// SetActivityField overrides one field of a generated activity.
func (d *Dataset) SetActivityField(id, field string, v any) {
	n, err := strconv.Atoi(id)
	if err != nil || n < activityBase || n-activityBase >= d.sizes.Activities {
		panic(fmt.Sprintf("marketotest: no generated activity with id %q", id))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	i := n - activityBase
	if d.actOver[i] == nil {
		d.actOver[i] = map[string]any{}
	}
	d.actOver[i][field] = v
}

// leadState returns lead i with its mutation applied, and whether it is
// deleted; the caller holds d.mu.
func (d *Dataset) leadState(i int) (lead, *leadMutation) {
	l := d.genLead(i)
	m := d.leads[i]
	if m != nil && !m.updated.IsZero() {
		l.updated = m.updated
	}
	return l, m
}

// Lead returns every field of a live lead by REST name (nil values for
// empty fields), or nil for a deleted or unknown id.
func (d *Dataset) Lead(id string) map[string]any {
	i := d.leadIndex(id)
	d.mu.RLock()
	defer d.mu.RUnlock()
	l, m := d.leadState(i)
	if m != nil && m.deleted {
		return nil
	}
	return d.leadFields(i, l, m)
}

func (d *Dataset) leadFields(i int, l lead, m *leadMutation) map[string]any {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	tm := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.Format(time.RFC3339)
	}
	f := map[string]any{
		"id": leadBase + i, "createdAt": tm(l.created), "updatedAt": tm(l.updated),
		"leadSource": str(l.source), "leadStatus": str(l.status), "mqlDate": tm(l.mql),
		"firstName": l.first, "lastName": l.last, "email": l.email, "phone": l.phone, "company": l.company,
	}
	if m != nil {
		maps.Copy(f, m.fields)
	}
	return f
}

// activity returns generated activity i with its overrides; the caller
// holds d.mu.
func (d *Dataset) activity(i int) map[string]any {
	a := d.genActivity(i)
	maps.Copy(a, d.actOver[i])
	return a
}

// firstAfter returns the index of the first generated activity after p.
func (d *Dataset) firstAfter(p pos) int {
	return sort.Search(d.sizes.Activities, func(i int) bool {
		return pos{d.activityAt(i).Unix(), activityBase + i}.after(p)
	})
}

// AddDeleteActivity adds an item to deletedleads.json that is not a
// Delete Lead activity but one of typeID about lead i at at, as a
// server that ignores the listing's meaning would, and returns the
// lead's id.
func (d *Dataset) AddDeleteActivity(typeID, i int, at time.Time) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.nextPos(at)
	d.deletes = append(d.deletes, entry{p, map[string]any{
		"id": p.id, "marketoGUID": strconv.Itoa(p.id), "leadId": leadBase + i,
		"activityDate": time.Unix(p.sec, 0).UTC().Format(time.RFC3339), "activityTypeId": typeID,
		"attributes": []map[string]any{},
	}})
	return strconv.Itoa(leadBase + i)
}
