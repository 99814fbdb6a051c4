package lease

import (
	"context"
	"fmt"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.Leaser = (*Manager)(nil)

// Wait blocks until this process holds the binding's lease (and is not
// handing it over), or ctx ends.
func (m *Manager) Wait(ctx context.Context, tenant, name string) error {
	b := Binding{tenant, name}
	for {
		m.mu.Lock()
		h, ch := m.held[b], m.changed
		m.mu.Unlock()
		if h != nil && !h.leaving {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		case <-time.After(m.ttl / 3): // a leaving lease may stay
		}
	}
}

// Hold returns the binding's lease if this process holds it and is not
// handing it over; it is not handed over before Release.
func (m *Manager) Hold(tenant, name string) (pipeline.Lease, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.held[Binding{tenant, name}]
	if h == nil || h.leaving {
		return pipeline.Lease{}, false
	}
	return m.use(h), true
}

// use counts a hold of h; m.mu is held.
func (m *Manager) use(h *held) pipeline.Lease {
	h.busy++
	var once bool
	return pipeline.Lease{Token: h.token, Lost: h.lost, Handover: h.handover, Release: func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if !once {
			once = true
			h.busy--
		}
	}}
}

// Take returns the binding's lease, asking the process that holds it to
// hand it over after its current pass and waiting until it has (or its
// lease expired), or until ctx ends.
func (m *Manager) Take(ctx context.Context, tenant, name string) (pipeline.Lease, error) {
	b := Binding{tenant, name}
	asked := time.Time{}
	for {
		m.mu.Lock()
		if h := m.held[b]; h != nil {
			l := m.use(h)
			m.mu.Unlock()
			return l, nil
		}
		m.wanted[b] = true
		m.mu.Unlock()
		if !m.postgres {
			return pipeline.Lease{}, fmt.Errorf("taking lease of %s/%s: not configured in this process", tenant, name)
		}
		if time.Since(asked) > m.ttl/3 {
			if _, err := m.db.ExecContext(ctx, `UPDATE leases SET wanted_by = $3, wanted_at = now()
				WHERE tenant = $1 AND connector = $2 AND holder <> $3`, tenant, name, m.holder); err != nil {
				return pipeline.Lease{}, fmt.Errorf("asking for lease of %s/%s: %w", tenant, name, redact(err))
			}
			asked = time.Now()
		}
		if _, err := m.acquire(ctx, b, time.Now()); err != nil {
			return pipeline.Lease{}, err
		}
		m.mu.Lock()
		ok := m.held[b] != nil
		m.mu.Unlock()
		if ok {
			continue
		}
		select {
		case <-ctx.Done():
			return pipeline.Lease{}, ctx.Err()
		case <-time.After(m.ttl / 10):
		}
	}
}
