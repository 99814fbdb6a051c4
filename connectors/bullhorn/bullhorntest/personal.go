package bullhorntest

import "sort"

// personalSample bounds how many placements PersonalValues samples.
const personalSample = 1000

// PersonalValues returns a sample of the personal values the dataset
// holds, for privacy tests to search logs, errors, topics and the
// warehouse for: every user's names, email, phone and username, the
// candidate's names and the comments of the first 1,000 placements and
// of every injected one, and every string override. Sorted, no
// duplicates.
func (d *Dataset) PersonalValues() []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	seen := map[string]bool{}
	add := func(vs ...string) {
		for _, v := range vs {
			if len(v) > 2 {
				seen[v] = true
			}
		}
	}
	for i := range d.sizes.Users {
		u := d.genUser(i)
		add(u.first+" "+u.last, u.email, u.phone, u.username)
	}
	for i := range min(d.sizes.Placements, personalSample) {
		p := d.genPlacement(i)
		add(p.candidate.email, p.candidate.phone, p.candidate.first+" "+p.candidate.last, p.comments)
	}
	for _, p := range d.injected {
		if s, ok := p["comments"].(string); ok {
			add(s)
		}
	}
	for _, over := range d.over {
		for _, m := range over {
			for f, v := range m.fields {
				if s, ok := v.(string); ok && f == "comments" {
					add(s)
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

// SourcePersonalValues counts, per canonical object, the personal values
// held at the source: 5 per user (first and last name, email, phone,
// username) and 3 per placement (the candidate's first and last name and
// the comments that name them). The demo prints it next to what tally
// kept.
func (d *Dataset) SourcePersonalValues() map[string]int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return map[string]int{
		"user":      5 * d.sizes.Users,
		"placement": 3 * d.n(placements),
	}
}
