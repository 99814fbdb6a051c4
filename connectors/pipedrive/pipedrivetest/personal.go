package pipedrivetest

import "sort"

// personalSample bounds how many deals PersonalValues samples.
const personalSample = 1000

// PersonalValues returns a sample of the personal values the dataset
// holds, for privacy tests to search logs, errors, topics and the
// warehouse for: every user's name, email and phone, the title of the
// first 1,000 deals and of every injected deal, the subject, note,
// public description, location and attendees of the first 1,000
// activities, and every string override set with SetField or
// SetActivityField. The result is sorted and free of
// duplicates.
func (d *Dataset) PersonalValues() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	seen := map[string]bool{}
	add := func(vs ...string) {
		for _, v := range vs {
			if v != "" {
				seen[v] = true
			}
		}
	}
	for i := range d.sizes.Users {
		u := d.genUser(i)
		add(u.Name, u.Email, *u.Phone)
	}
	for i := range min(d.sizes.Deals, personalSample) {
		add(d.genDeal(i).Title)
	}
	for i := range min(d.sizes.Activities, personalSample) {
		a := d.genActivity(i)
		add(a.Subject, *a.Note, *a.PublicDescription)
		if a.Location != nil {
			add(a.Location.Value, a.Location.FormattedAd)
		}
		for _, at := range a.Attendees {
			add(at.Name, at.EmailAddress)
		}
	}
	for _, m := range d.actOver {
		for _, v := range m.fields {
			if s, ok := v.(string); ok {
				add(s)
			}
		}
	}
	for _, g := range d.injected {
		add(g.Title)
	}
	for _, m := range d.over {
		for _, v := range m.fields {
			if s, ok := v.(string); ok {
				add(s)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// SourcePersonalValues counts, per canonical object (user, deal,
// activity), the personal values held at the source: 3 per user (name,
// email, phone), 1 per deal (its title, free text that names people) and
// 3 per activity (subject, note, public description). The demo prints it
// next to what tally kept.
func (d *Dataset) SourcePersonalValues() map[string]int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	m := map[string]int{"user": 3 * d.sizes.Users, "deal": d.n()}
	if d.sizes.Activities > 0 {
		m["activity"] = 3 * d.sizes.Activities // subject, note, public description
	}
	return m
}
