package pipeline

import "context"

// Suppressed is an immutable snapshot of the per-tenant suppression
// lists: tenant → set of suppression tokens of erased subjects. Holders
// must not modify it; a refresh replaces it whole.
type Suppressed map[string]map[string]struct{}

// Has reports whether token is suppressed for tenant.
func (s Suppressed) Has(tenant, token string) bool {
	_, ok := s[tenant][token]
	return ok
}

// Len returns the number of tokens over all tenants.
func (s Suppressed) Len() int {
	n := 0
	for _, t := range s {
		n += len(t)
	}
	return n
}

// SuppressionSource reads the suppression lists of erased subjects,
// normally from the warehouse. Suppressions returns a fresh snapshot; it
// honours ctx and may be called concurrently with Sink writes.
type SuppressionSource interface {
	Suppressions(ctx context.Context) (Suppressed, error)
}

// refreshSuppressions loads the suppression snapshot and hands it to
// OnSuppressions. Nil Suppressions or OnSuppressions do nothing.
func (r *Runner) refreshSuppressions(ctx context.Context) error {
	if r.Suppressions == nil || r.OnSuppressions == nil {
		return nil
	}
	s, err := r.Suppressions.Suppressions(ctx)
	if err != nil {
		return err
	}
	r.OnSuppressions(s)
	return nil
}
