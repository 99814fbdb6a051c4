package hubspottest

import "sort"

// personalSample bounds how many contacts and deals PersonalValues
// samples.
const personalSample = 1000

// personalProps are the deal and contact properties holding personal
// data.
var personalProps = map[string]bool{
	"dealname": true, "description": true, "email": true, "firstname": true,
	"lastname": true, "phone": true, "company": true,
}

// PersonalValues returns a sample of the personal values the dataset
// holds, for privacy tests to search logs, errors, topics and the
// warehouse for: every owner's email and names, the email, names, phone
// and company of the first 1,000 contacts, the name and description of
// the first 1,000 deals, every injected deal's name and description, and
// every override of a personal property. The result is sorted and free
// of duplicates.
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
	for i := range d.sizes.Owners {
		o := d.genOwner(i)
		add(o.email, o.first, o.last)
	}
	for i := range min(d.sizes.Contacts, personalSample) {
		p := d.record(contacts, i).props
		add(p["email"], p["firstname"], p["lastname"], p["phone"], p["company"])
	}
	for i := range min(d.sizes.Deals, personalSample) {
		p := d.record(deals, i).props
		add(p["dealname"], p["description"])
	}
	for _, p := range d.injected {
		add(p["dealname"], p["description"])
	}
	for _, over := range d.over {
		for _, m := range over {
			for prop, v := range m.props {
				if personalProps[prop] {
					add(v)
				}
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

// SourcePersonalValues counts, per canonical object (user, lead, deal),
// the personal values held at the source: 3 per owner (email, first and
// last name), 5 per contact (email, first and last name, phone, company)
// and 2 per deal (name and description, free text that names people).
// The demo prints it next to what tally kept.
func (d *Dataset) SourcePersonalValues() map[string]int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return map[string]int{
		"user": 3 * d.sizes.Owners,
		"lead": 5 * d.sizes.Contacts,
		"deal": 2 * d.n(deals),
	}
}
