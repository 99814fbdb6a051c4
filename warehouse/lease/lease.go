package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tally-dev/tally/warehouse"
)

// DefaultTTL is the lease lifetime when Options.TTL is zero.
const DefaultTTL = 15 * time.Second

// Binding names one connector of one tenant.
type Binding struct{ Tenant, Connector string }

// Options configure a Manager.
type Options struct {
	// TTL is how long a lease outlives its holder's last renewal.
	TTL    time.Duration
	Logger *slog.Logger
	// OnDemand is for a process that runs bindings on request only
	// (tally reconcile): it takes no share and is not counted as a live
	// process; Take asks for each lease it needs.
	OnDemand bool
}

// held is a lease this process holds.
type held struct {
	token    int64
	lost     chan struct{}
	handover chan struct{} // closed when leaving is set
	deadline time.Time     // local: give the lease up before the table expires it
	busy     int           // holds not yet released
	leaving  bool          // above the fair share or wanted elsewhere: hand over when idle
}

// Manager holds this process's connector leases; see the package doc.
type Manager struct {
	db       *sqlx.DB
	postgres bool
	onDemand bool
	ttl      time.Duration
	log      *slog.Logger
	bindings []Binding
	holder   string
	host     string
	started  time.Time

	parts partitions // consumer-group assignment (partitions.go)

	// op serializes acquire (Take calls it beside the renewals) with
	// renew, so that renew never sees a row acquired but not yet held.
	op sync.Mutex

	mu      sync.Mutex
	held    map[Binding]*held
	changed chan struct{} // closed and replaced when held changes
	wanted  map[Binding]bool

	stop chan struct{}
	done chan struct{}
}

// New returns a Manager of the bindings configured in this process.
func New(w *warehouse.Warehouse, bindings []Binding, o Options) *Manager {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	var id [6]byte
	_, _ = rand.Read(id[:])
	m := &Manager{db: w.DB(), postgres: w.Driver() == warehouse.Postgres, ttl: o.TTL, log: o.Logger, onDemand: o.OnDemand,
		bindings: append([]Binding(nil), bindings...), host: host, started: time.Now(),
		holder: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(id[:])),
		held:   map[Binding]*held{}, changed: make(chan struct{}), wanted: map[Binding]bool{},
		parts: partitions{changed: make(chan struct{}, 1)},
		stop:  make(chan struct{}), done: make(chan struct{})}
	sort.Slice(m.bindings, func(i, j int) bool { return m.rank(m.bindings[i]) < m.rank(m.bindings[j]) })
	return m
}

// Holder returns this process's holder id (host-pid-random).
func (m *Manager) Holder() string { return m.holder }

// rank orders the bindings differently in every process, so that
// processes starting together try different leases first.
func (m *Manager) rank(b Binding) uint64 {
	h := fnv.New64a()
	h.Write([]byte(m.holder + "\x00" + b.Tenant + "\x00" + b.Connector))
	return h.Sum64()
}

// Start registers the process, waits a third of the TTL, takes its first leases and renews them
// in the background until Close. On SQLite it grants every lease.
func (m *Manager) Start(ctx context.Context) error {
	if !m.postgres {
		m.mu.Lock()
		for _, b := range m.bindings {
			m.held[b] = &held{lost: make(chan struct{}), handover: make(chan struct{}), deadline: time.Now().Add(100 * 365 * 24 * time.Hour)}
		}
		m.mu.Unlock()
		close(m.done)
		return nil
	}
	if !m.onDemand {
		// Announce the process and wait one renewal period before taking
		// anything, so processes started together see each other and
		// take their fair share, not all.
		if err := m.heartbeat(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(m.ttl / 3):
		}
	}
	if err := m.tick(ctx); err != nil {
		return err
	}
	go m.run()
	return nil
}

// run renews every third of the TTL and checks local deadlines every
// tenth of it, until Close.
func (m *Manager) run() {
	defer close(m.done)
	renew := time.NewTicker(m.ttl / 3)
	defer renew.Stop()
	check := time.NewTicker(m.ttl / 10)
	defer check.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-check.C:
			m.expire(time.Now())
		case <-m.parts.changed:
			if !m.onDemand {
				ctx, cancel := context.WithTimeout(context.Background(), m.ttl/3)
				if err := m.writePartitions(ctx); err != nil {
					m.log.Warn("recording the consumer partitions failed; the next heartbeat records them", "error", err)
				}
				cancel()
			}
		case <-renew.C:
			ctx, cancel := context.WithTimeout(context.Background(), m.ttl/3)
			if err := m.tick(ctx); err != nil {
				m.log.Warn("renewing connector leases failed; they are given up when they expire", "error", err)
			}
			cancel()
			m.expire(time.Now())
		}
	}
}

// Close stops renewing and releases every lease and the heartbeat row,
// so that other processes take over at once.
func (m *Manager) Close() {
	if !m.postgres {
		return
	}
	select {
	case <-m.stop:
		return
	default:
	}
	close(m.stop)
	<-m.done
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.mu.Lock()
	for b, h := range m.held {
		m.drop(b, h, "process stopping")
	}
	m.mu.Unlock()
	if _, err := m.db.ExecContext(ctx, `UPDATE leases SET expires_at = now() WHERE holder = $1`, m.holder); err != nil {
		m.log.Warn("releasing connector leases failed; they expire on their own", "error", redact(err))
	}
	if _, err := m.db.ExecContext(ctx, `DELETE FROM lease_holders WHERE holder = $1`, m.holder); err != nil {
		m.log.Warn("removing the process's heartbeat failed", "error", redact(err))
	}
}

// drop forgets a held lease and closes its lost channel; m.mu is held.
func (m *Manager) drop(b Binding, h *held, why string) {
	delete(m.held, b)
	close(h.lost)
	m.log.Info("connector lease given up", "tenant", b.Tenant, "connector", b.Connector, "token", h.token, "reason", why)
	m.signal()
}

// signal wakes Wait callers; m.mu is held.
func (m *Manager) signal() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// expire gives up leases whose local deadline passed (the renewals
// failed): other processes may take them over soon.
func (m *Manager) expire(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for b, h := range m.held {
		if now.After(h.deadline) {
			m.drop(b, h, "not renewed in time")
		}
	}
}

// redact keeps driver error text (which may quote values) out of logs.
func redact(err error) error { return warehouse.Redact(err) }
