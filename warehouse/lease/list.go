package lease

import (
	"context"
	"fmt"
	"time"

	"github.com/tally-dev/tally/warehouse"
)

// Row is one lease as `tally leases` shows it.
type Row struct {
	Tenant     string    `json:"tenant" db:"tenant"`
	Connector  string    `json:"connector" db:"connector"`
	Holder     string    `json:"holder" db:"holder"`
	Host       string    `json:"host" db:"host"`
	PID        int64     `json:"pid" db:"pid"`
	Started    time.Time `json:"process_started_at" db:"started_at"`
	Token      int64     `json:"token" db:"token"`
	AcquiredAt time.Time `json:"acquired_at" db:"acquired_at"`
	ExpiresAt  time.Time `json:"expires_at" db:"expires_at"`
	// Held is false for a released or expired lease (free to take).
	Held bool `json:"held" db:"held"`
}

// List returns every lease of the warehouse with its holder process, by
// tenant and connector. On SQLite it returns none (leases are implicit).
func List(ctx context.Context, w *warehouse.Warehouse) ([]Row, error) {
	if w.Driver() != warehouse.Postgres {
		return nil, nil
	}
	var rows []Row
	err := w.DB().SelectContext(ctx, &rows, `SELECT l.tenant, l.connector, l.holder,
		coalesce(h.host, '') AS host, coalesce(h.pid, 0) AS pid, coalesce(h.started_at, l.acquired_at) AS started_at,
		l.token, l.acquired_at, l.expires_at, l.expires_at > now() AS held
		FROM leases l LEFT JOIN lease_holders h ON h.holder = l.holder
		ORDER BY l.tenant, l.connector`)
	if err != nil {
		return nil, fmt.Errorf("listing leases: %w", redact(err))
	}
	return rows, nil
}
