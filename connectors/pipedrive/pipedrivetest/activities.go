package pipedrivetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// activity is a v2 Activity as GET /api/v2/activities shows it (the
// ActivityItem model of the official client): ids are numbers, add and
// update times RFC 3339, due_date a plain date, due_time "HH:MM".
// subject, note, public_description, location, participants and
// attendees hold the customer's people.
type activity struct {
	ID                      int            `json:"id"`
	Subject                 string         `json:"subject"`
	Type                    string         `json:"type"`
	OwnerID                 int            `json:"owner_id"`
	CreatorUserID           int            `json:"creator_user_id"`
	IsDeleted               bool           `json:"is_deleted"`
	AddTime                 string         `json:"add_time"`
	UpdateTime              string         `json:"update_time"`
	DealID                  *int           `json:"deal_id"`
	LeadID                  *string        `json:"lead_id"`
	PersonID                *int           `json:"person_id"`
	OrgID                   *int           `json:"org_id"`
	ProjectID               *int           `json:"project_id"`
	DueDate                 *string        `json:"due_date"`
	DueTime                 *string        `json:"due_time"`
	Duration                *string        `json:"duration"`
	Busy                    bool           `json:"busy"`
	Done                    bool           `json:"done"`
	MarkedAsDoneTime        *string        `json:"marked_as_done_time"`
	Location                *location      `json:"location"`
	Participants            []participant  `json:"participants"`
	Attendees               []attendee     `json:"attendees,omitempty"`
	ConferenceMeetingClient *string        `json:"conference_meeting_client"`
	ConferenceMeetingURL    *string        `json:"conference_meeting_url"`
	ConferenceMeetingID     *string        `json:"conference_meeting_id"`
	PublicDescription       *string        `json:"public_description"`
	Priority                *int           `json:"priority"`
	Outcome                 *int           `json:"outcome"`
	Note                    *string        `json:"note"`
	overrides               map[string]any `json:"-"`
}

type location struct {
	Value       string `json:"value"`
	Country     string `json:"country"`
	Locality    string `json:"locality"`
	FormattedAd string `json:"formatted_address"`
}

type participant struct {
	PersonID int  `json:"person_id"`
	Primary  bool `json:"primary"`
}

type attendee struct {
	EmailAddress string `json:"email_address"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	IsOrganizer  bool   `json:"is_organizer"`
	PersonID     *int   `json:"person_id"`
	UserID       *int   `json:"user_id"`
}

// ActivityTypes are the key strings of Pipedrive's default activity
// types.
var ActivityTypes = []string{"call", "meeting", "task", "deadline", "email", "lunch"}

var streets = []string{"Narva mnt 5", "Baker Street 221b", "Rue de Rivoli 12", "Unter den Linden 3"}

func (d *Dataset) genActivity(i int) activity {
	r := newRNG(d.seed, kindActivity, i)
	added, updated := times(r)
	p := newPerson(r)
	a := activity{
		ID: i + 1, Type: r.Pick(ActivityTypes), AddTime: rfc(added), UpdateTime: rfc(updated),
		PersonID: ptr(100_000 + r.Intn(50_000)), OrgID: ptr(5_000 + r.Intn(2_000)), Participants: []participant{},
		Duration: ptr("00:30"), Busy: true, Priority: nil,
	}
	a.Participants = append(a.Participants, participant{PersonID: *a.PersonID, Primary: true})
	if d.sizes.Users > 0 {
		a.OwnerID = userIDBase + 1 + r.Intn(d.sizes.Users)
		a.CreatorUserID = a.OwnerID
	}
	if d.sizes.Deals > 0 {
		a.DealID = ptr(1 + r.Intn(d.sizes.Deals))
	}
	a.Subject = fmt.Sprintf("%s with %s %s (%s)", r.Pick([]string{"Call", "Meeting", "Follow up", "Demo"}), p.first, p.last, p.company)
	a.Note = ptr(fmt.Sprintf("<p>Spoke to %s %s, mobile +44 7700 9%05d</p>", p.first, p.last, r.Intn(100_000)))
	a.PublicDescription = ptr("Agenda for " + p.first + " " + p.last)
	if r.Intn(3) > 0 { // a third have no due date and fall back to add_time
		due := added.Add(time.Duration(r.Intn(30*24)) * time.Hour)
		a.DueDate, a.DueTime = ptr(due.Format(time.DateOnly)), ptr(due.Format("15:04"))
	}
	if r.Intn(2) == 0 {
		a.Done, a.MarkedAsDoneTime = true, ptr(rfc(updated))
	}
	if a.Type == "meeting" || a.Type == "lunch" {
		st := r.Pick(streets)
		a.Location = &location{Value: st, Locality: "Tallinn", Country: "Estonia", FormattedAd: st + ", Tallinn"}
		a.Attendees = []attendee{{EmailAddress: fmt.Sprintf("%s.%s@%s.example", p.first, p.last, "customer"),
			Name: p.first + " " + p.last, Status: "accepted", PersonID: a.PersonID}}
	}
	return a
}

// activityAt renders activity i with its mutations; the caller holds
// d.mu.
func (d *Dataset) activityAt(i int) activity {
	a := d.genActivity(i)
	m := d.actOver[i]
	if m == nil {
		return a
	}
	if !m.updated.IsZero() {
		a.UpdateTime = rfc(m.updated)
	}
	if !m.deletedAt.IsZero() {
		a.IsDeleted = true
	}
	a.overrides = m.fields
	return a
}

// activityUpdated returns activity i's update_time and deleted state
// without rendering it; the caller holds d.mu.
func (d *Dataset) activityUpdated(i int) (at time.Time, deleted bool) {
	_, at = times(newRNG(d.seed, kindActivity, i))
	if m := d.actOver[i]; m != nil {
		if !m.updated.IsZero() {
			at = m.updated
		}
		deleted = !m.deletedAt.IsZero()
	}
	return at, deleted
}

// activities serves GET /api/v2/activities: cursor paging in id order,
// updated_since/updated_until, owner_id; attendees only with
// include_fields=attendees. Deleted activities are listed with
// is_deleted true for 30 days unless Options.HideDeletedActivities.
func (s *Server) activities(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	aq, problem := parseDealQuery(withoutActivityParams(q), false)
	if problem != "" {
		writeError(w, http.StatusBadRequest, problem)
		return
	}
	start, ok := decodeCursor("activities", q.Get("cursor"))
	if !ok {
		writeError(w, http.StatusBadRequest, "Validation failed: cursor: Invalid cursor")
		return
	}
	owner := 0
	if v := q.Get("owner_id"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "Validation failed: owner_id: Must be an integer")
			return
		}
		owner = n
	}
	attendees := q.Get("include_fields") == "attendees"
	if v := q.Get("include_fields"); v != "" && !attendees {
		writeError(w, http.StatusBadRequest, "Validation failed: include_fields: Must be one of attendees")
		return
	}
	s.ds.mu.RLock()
	data := make([]any, 0, min(aq.limit, 100))
	next, last := "", 0
	for i := start; i < s.ds.sizes.Activities; i++ {
		at, deleted := s.ds.activityUpdated(i)
		switch {
		case !aq.since.IsZero() && at.Before(aq.since), !aq.until.IsZero() && !at.Before(aq.until),
			deleted && (s.opts.HideDeletedActivities || s.opts.Now().Sub(at) > deletedFor):
			continue
		}
		a := s.ds.activityAt(i)
		if owner != 0 && a.OwnerID != owner {
			continue
		}
		if len(data) == aq.limit {
			next = encodeCursor("activities", last)
			break
		}
		if !attendees {
			a.Attendees = nil
		}
		data = append(data, a)
		last = i + 1
	}
	s.ds.mu.RUnlock()
	next = s.cursorAfter(r.URL.Path, "activities", start, last, next)
	writeJSON(w, http.StatusOK, listBody(data, next))
}

// withoutActivityParams drops what parseDealQuery does not know, so it
// checks limit, updated_since/until and sorting the same way for both.
func withoutActivityParams(q url.Values) url.Values {
	c := url.Values{}
	for _, k := range []string{"limit", "updated_since", "updated_until", "sort_by", "sort_direction"} {
		if v, ok := q[k]; ok {
			c[k] = v
		}
	}
	return c
}

// MarshalJSON renders the activity, with SetActivityField overrides
// applied.
func (a activity) MarshalJSON() ([]byte, error) {
	type plain activity
	return withOverrides(plain(a), a.overrides)
}

func withOverrides(v any, overrides map[string]any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(overrides) == 0 {
		return b, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range overrides {
		if _, omit := v.(omitted); omit {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	return json.Marshal(m)
}

type omitted struct{}

// Omit, given to SetField or SetActivityField, removes the field from
// the record's JSON (as for a field the company never had).
var Omit any = omitted{}

// ActivityID returns the Pipedrive id of the i-th activity (ids start
// at 1, a sequence of their own).
func (d *Dataset) ActivityID(i int) string { return strconv.Itoa(i + 1) }

// mutateActivity runs fn on the mutation of activity id, creating it.
func (d *Dataset) mutateActivity(id string, fn func(m *mutation)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, err := strconv.Atoi(id)
	if err != nil || v < 1 || v > d.sizes.Activities {
		panic(fmt.Sprintf("pipedrivetest: no activity with id %q", id))
	}
	m := d.actOver[v-1]
	if m == nil {
		m = &mutation{}
		d.actOver[v-1] = m
	}
	fn(m)
}

// TouchActivity sets the activity's update_time to at, as an edit would.
func (d *Dataset) TouchActivity(id string, at time.Time) {
	d.mutateActivity(id, func(m *mutation) { m.updated = second(at) })
}

// DeleteActivity marks the activity deleted at at (Pipedrive keeps it
// 30 days before removing it for good): is_deleted true, update_time at.
func (d *Dataset) DeleteActivity(id string, at time.Time) {
	d.mutateActivity(id, func(m *mutation) { m.deletedAt, m.updated = second(at), second(at) })
}

// SetActivityField overrides one wire field of an activity without
// touching its update_time.
func (d *Dataset) SetActivityField(id, field string, value any) {
	d.mutateActivity(id, func(m *mutation) {
		if m.fields == nil {
			m.fields = map[string]any{}
		}
		m.fields[field] = value
	})
}
