package lease

import (
	"context"
	"fmt"
	"os"
	"time"
)

// tick is one round: heartbeat, renew, hand over, take up to the share.
func (m *Manager) tick(ctx context.Context) error {
	start := time.Now()
	if m.onDemand { // run --once, reconcile: no share, no heartbeat, only the leases Take asks for
		if err := m.renew(ctx, start); err != nil {
			return err
		}
		_, err := m.takeUpTo(ctx, 0, start)
		return err
	}
	if err := m.heartbeat(ctx); err != nil {
		return err
	}
	if err := m.renew(ctx, start); err != nil {
		return err
	}
	var live int
	if err := m.db.GetContext(ctx, &live, `SELECT count(*) FROM lease_holders
		WHERE heartbeat_at > now() - $1 * interval '1 millisecond'`, m.ttl.Milliseconds()); err != nil {
		return fmt.Errorf("counting live processes: %w", redact(err))
	}
	share := (len(m.bindings) + max(live, 1) - 1) / max(live, 1)
	if err := m.handOver(ctx, share); err != nil {
		return err
	}
	_, err := m.takeUpTo(ctx, share, start)
	// Forget heartbeats of processes dead for long (their leases expired).
	_, _ = m.db.ExecContext(ctx, `DELETE FROM lease_holders WHERE heartbeat_at < now() - interval '1 day'`)
	return err
}

// renew extends the held leases; one missing from the result was lost
// (taken over after an expiry). A lease another process asked for is
// marked leaving.
func (m *Manager) renew(ctx context.Context, start time.Time) error {
	m.op.Lock()
	defer m.op.Unlock()
	rows, err := m.db.QueryxContext(ctx, `UPDATE leases SET expires_at = now() + $2 * interval '1 millisecond'
		WHERE holder = $1 AND expires_at > now()
		RETURNING tenant, connector, token, wanted_by <> '' AND wanted_at > now() - $2 * interval '1 millisecond'`,
		m.holder, m.ttl.Milliseconds())
	if err != nil {
		return fmt.Errorf("renewing leases: %w", redact(err))
	}
	defer rows.Close()
	type renewed struct {
		token  int64
		wanted bool
	}
	got := map[Binding]renewed{}
	for rows.Next() {
		var b Binding
		var r renewed
		if err := rows.Scan(&b.Tenant, &b.Connector, &r.token, &r.wanted); err != nil {
			return fmt.Errorf("renewing leases: %w", redact(err))
		}
		got[b] = r
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("renewing leases: %w", redact(err))
	}
	m.mu.Lock()
	// A row renewed here that the process no longer holds (it gave the
	// lease up locally when earlier renewals failed) would stay renewed
	// by nobody's pass: release it, so that it can be taken again.
	var stray []Binding
	for b, r := range got {
		if h := m.held[b]; h == nil || h.token != r.token {
			stray = append(stray, b)
		}
	}
	defer func() {
		for _, b := range stray {
			if _, err := m.db.ExecContext(ctx, `UPDATE leases SET expires_at = now()
				WHERE tenant = $1 AND connector = $2 AND holder = $3 AND token = $4`,
				b.Tenant, b.Connector, m.holder, got[b].token); err != nil {
				m.log.Warn("releasing a lease given up locally failed; it expires on its own", "error", redact(err))
				continue
			}
			m.log.Info("connector lease released after it was given up locally", "tenant", b.Tenant,
				"connector", b.Connector, "token", got[b].token)
		}
	}()
	defer m.mu.Unlock()
	for b, h := range m.held {
		r, ok := got[b]
		if !ok || r.token != h.token {
			m.drop(b, h, "taken over by another process")
			continue
		}
		h.deadline = start.Add(m.localTTL())
		if r.wanted && !h.leaving {
			m.leave(h)
			m.log.Info("connector lease asked for by another process; handing it over after the current pass",
				"tenant", b.Tenant, "connector", b.Connector)
		}
	}
	return nil
}

// handOver marks the leases above the share leaving and releases the
// leaving leases no pass holds.
func (m *Manager) handOver(ctx context.Context, share int) error {
	m.mu.Lock()
	var release []Binding
	keep := 0
	for _, b := range m.bindings {
		h := m.held[b]
		if h == nil {
			continue
		}
		if !h.leaving {
			keep++
			if keep > share {
				m.leave(h)
			}
		}
		if h.leaving && h.busy == 0 {
			release = append(release, b)
		}
	}
	m.mu.Unlock()
	for _, b := range release {
		m.mu.Lock()
		h := m.held[b]
		if h == nil || h.busy > 0 {
			m.mu.Unlock()
			continue
		}
		m.drop(b, h, "handed over")
		m.mu.Unlock()
		if _, err := m.db.ExecContext(ctx, `UPDATE leases SET expires_at = now()
			WHERE tenant = $1 AND connector = $2 AND holder = $3 AND token = $4`,
			b.Tenant, b.Connector, m.holder, h.token); err != nil {
			return fmt.Errorf("handing over lease: %w", redact(err))
		}
	}
	return nil
}

// takeUpTo takes free or expired leases until the process holds share
// of them (bindings it wants for a Take first), and returns how many it took.
func (m *Manager) takeUpTo(ctx context.Context, share int, start time.Time) (int, error) {
	m.mu.Lock()
	var try []Binding
	for b := range m.wanted {
		if m.held[b] == nil {
			try = append(try, b)
		}
	}
	room := share - len(m.held)
	for _, b := range m.bindings {
		if m.held[b] == nil && !m.wanted[b] && room > 0 {
			try = append(try, b)
		}
	}
	m.mu.Unlock()
	took := 0
	for _, b := range try {
		m.mu.Lock()
		full := !m.wanted[b] && len(m.held) >= share
		m.mu.Unlock()
		if full {
			break
		}
		ok, err := m.acquire(ctx, b, start)
		if err != nil {
			return took, err
		}
		if ok {
			took++
		}
	}
	return took, nil
}

// acquire takes one lease if it is free or expired and no other process
// asked for it, incrementing its token.
func (m *Manager) acquire(ctx context.Context, b Binding, start time.Time) (bool, error) {
	m.op.Lock()
	defer m.op.Unlock()
	var token int64
	rows, err := m.db.QueryContext(ctx, `INSERT INTO leases (tenant, connector, holder, token, acquired_at, expires_at)
		VALUES ($1, $2, $3, 1, now(), now() + $4 * interval '1 millisecond')
		ON CONFLICT (tenant, connector) DO UPDATE SET holder = excluded.holder, token = leases.token + 1,
			acquired_at = excluded.acquired_at, expires_at = excluded.expires_at, wanted_by = '', wanted_at = NULL
		WHERE leases.expires_at <= now() AND (leases.wanted_by IN ('', excluded.holder)
			OR leases.wanted_at <= now() - $4 * interval '1 millisecond')
		RETURNING token`, b.Tenant, b.Connector, m.holder, m.ttl.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("taking lease: %w", redact(err))
	}
	defer rows.Close()
	if !rows.Next() {
		return false, redact(rows.Err())
	}
	if err := rows.Scan(&token); err != nil {
		return false, fmt.Errorf("taking lease: %w", redact(err))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.held[b] = &held{token: token, lost: make(chan struct{}), handover: make(chan struct{}), deadline: start.Add(m.localTTL())}
	delete(m.wanted, b)
	m.log.Info("connector lease acquired", "tenant", b.Tenant, "connector", b.Connector, "token", token)
	m.signal()
	return true, nil
}

// heartbeat writes the process's row in lease_holders, with its
// consumer-group partitions (SetPartitions).
func (m *Manager) heartbeat(ctx context.Context) error {
	gen, parts, at := m.assignment()
	if _, err := m.db.ExecContext(ctx, `INSERT INTO lease_holders (holder, host, pid, started_at, heartbeat_at,
			consumer_generation, partitions, partitions_at)
		VALUES ($1, $2, $3, $4, now(), $5, $6, $7) ON CONFLICT (holder) DO UPDATE SET heartbeat_at = now(),
			consumer_generation = excluded.consumer_generation, partitions = excluded.partitions,
			partitions_at = excluded.partitions_at`,
		m.holder, m.host, os.Getpid(), m.started.UTC(), gen, parts, at); err != nil {
		return fmt.Errorf("writing heartbeat: %w", redact(err))
	}
	return nil
}

// leave marks a held lease for hand-over; m.mu is held.
func (m *Manager) leave(h *held) {
	if !h.leaving {
		h.leaving = true
		close(h.handover)
	}
}

// localTTL is how long after a renewal started this process still
// counts a lease as held: 4/5 of the TTL, checked every tenth, so it
// gives a lease up before the table lets another process take it.
func (m *Manager) localTTL() time.Duration { return m.ttl * 4 / 5 }
