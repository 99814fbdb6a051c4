package salesforce

import "slices"

// Unpulled returns the projected fields of object that none of this
// source's plans for it (one per sObject) requests from Salesforce; they
// stay empty. The processing report lists only the others.
func (s *Source) Unpulled(object string) []string {
	ps := s.plans[object]
	if len(ps) == 0 {
		return nil
	}
	var out []string
	for _, f := range ps[0].unsupported {
		if !slices.ContainsFunc(ps[1:], func(p *plan) bool { return !slices.Contains(p.unsupported, f) }) {
			out = append(out, f)
		}
	}
	return out
}
