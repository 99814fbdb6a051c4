package marketotest

import "sort"

// personalSample bounds how many leads PersonalValues samples.
const personalSample = 1000

// PersonalValues returns a sample of the personal values the dataset
// holds, for privacy tests to search logs, errors, topics and the
// warehouse for: the full name, email, phone and company of the first
// 1,000 leads and every string override. Sorted, no duplicates.
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
	for i := range min(d.sizes.Leads, personalSample) {
		l := d.genLead(i)
		add(l.first+" "+l.last, l.last+", "+l.first, l.email, l.phone, l.company)
	}
	for _, m := range d.leads {
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

// SourcePersonalValues counts, per canonical object, the personal values
// held at the source: 5 per lead (first and last name, email, phone,
// company) and 1 per activity (the lead it concerns). The demo prints it
// next to what tally kept.
func (d *Dataset) SourcePersonalValues() map[string]int {
	return map[string]int{
		"lead":     5 * d.sizes.Leads,
		"activity": d.sizes.Activities,
	}
}
