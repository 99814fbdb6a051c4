package pipedrive

// Unpulled returns the projected fields of object that this source's
// plan does not request from pipedrive (it lacks them, or tally never pulls
// them); they stay empty. The processing report lists only the others.
func (s *Source) Unpulled(object string) []string {
	if p := s.plans[object]; p != nil {
		return append([]string(nil), p.unsupported...)
	}
	return nil
}
