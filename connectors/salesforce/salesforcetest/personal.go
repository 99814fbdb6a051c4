package salesforcetest

import "sort"

// personalSample bounds how many records of each kind PersonalValues
// samples.
const personalSample = 1000

// personalFields are the fields holding personal data, per kind.
var personalFields = [numKinds][]string{
	User:        {"Username", "Email", "FirstName", "LastName", "Name", "Phone"},
	Opportunity: {"Name", "Description", "NextStep"},
	Lead:        {"FirstName", "LastName", "Name", "Email", "Phone", "Company"},
	Task:        {"Subject", "Description"},
	Event:       {"Subject", "Description"},
}

// PersonalValues returns a sample of the personal values the org holds,
// for privacy tests to search logs, errors, topics and the warehouse
// for: the personal fields of every user and of the first 1,000
// records of every other kind, and every string set with SetField. The
// result is sorted and free of duplicates.
func (d *Dataset) PersonalValues() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	seen := map[string]bool{}
	for k := range numKinds {
		n := d.count(k)
		if k != User {
			n = min(n, personalSample)
		}
		for i := range n {
			rec := d.generate(k, i)
			for _, f := range personalFields[k] {
				if v, ok := rec[f].(string); ok && v != "" {
					seen[v] = true
				}
			}
		}
		for _, m := range d.over[k] {
			for _, v := range m.fields {
				if s, ok := v.(string); ok && s != "" {
					seen[s] = true
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

// SourcePersonalValues counts, per canonical object (user, deal, lead,
// activity), the personal values held at the source: 6 per user, 3 per
// opportunity, 6 per lead and 2 per task or event.
func (d *Dataset) SourcePersonalValues() map[string]int {
	s := d.sizes
	return map[string]int{
		"user":     6 * s.Users,
		"deal":     3 * s.Opportunities,
		"lead":     6 * s.Leads,
		"activity": 2 * (s.Tasks + s.Events),
	}
}
