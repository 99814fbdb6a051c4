package lease

import "time"

// Partition stops the renewals without releasing anything, as if the
// process had lost the database: its leases expire in the table, and
// locally once their deadline passes (Expire).
func (m *Manager) Partition() {
	close(m.stop)
	<-m.done
}

// Expire runs the local deadline check at now.
func (m *Manager) Expire(now time.Time) { m.expire(now) }
