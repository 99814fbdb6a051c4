package lease

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

// TopicPartitions are the partitions of one topic a process consumes.
type TopicPartitions struct {
	Topic      string `json:"topic"`
	Partitions []int  `json:"partitions"`
}

// Group returns tps grouped by topic, topics and partitions in order.
func Group(tps []pipeline.TopicPartition) []TopicPartitions {
	by := map[string][]int{}
	for _, tp := range tps {
		by[tp.Topic] = append(by[tp.Topic], tp.Partition)
	}
	out := make([]TopicPartitions, 0, len(by))
	for t, ps := range by {
		sort.Ints(ps)
		out = append(out, TopicPartitions{Topic: t, Partitions: ps})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Topic < out[j].Topic })
	return out
}

// partitions is the consumer-group assignment a Manager records with
// its heartbeat.
type partitions struct {
	mu         sync.Mutex
	member     bool
	generation int64
	groups     []TopicPartitions
	at         time.Time
	changed    chan struct{} // buffered 1: a write is due
}

// SetPartitions records this process's consumer-group assignment:
// generation gen and its partitions tps when member is true, none while
// the process is between generations. It does not block: the row is
// written in the background at once and again with every heartbeat
// (kafka.Log.OnAssign calls it). On SQLite it is kept in memory only.
func (m *Manager) SetPartitions(gen int64, tps []pipeline.TopicPartition, member bool) {
	p := &m.parts
	p.mu.Lock()
	p.member, p.generation, p.groups, p.at = member, gen, nil, time.Now().UTC()
	if member {
		p.groups = Group(tps)
	}
	p.mu.Unlock()
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// assignment returns the columns of lease_holders that SetPartitions
// fills: generation (nil between generations), partitions JSON, time.
func (m *Manager) assignment() (gen *int64, parts string, at *time.Time) {
	p := &m.parts
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.at.IsZero() {
		return nil, "", nil
	}
	t := p.at
	if !p.member {
		return nil, "[]", &t
	}
	g := p.generation
	groups := p.groups
	if groups == nil {
		groups = []TopicPartitions{}
	}
	b, _ := json.Marshal(groups) // topic names and ints: cannot fail
	return &g, string(b), &t
}

// writePartitions writes the assignment into the heartbeat row, if the
// process has one (a `tally run` on PostgreSQL).
func (m *Manager) writePartitions(ctx context.Context) error {
	gen, parts, at := m.assignment()
	if _, err := m.db.ExecContext(ctx, `UPDATE lease_holders SET consumer_generation = $2, partitions = $3,
		partitions_at = $4 WHERE holder = $1`, m.holder, gen, parts, at); err != nil {
		return fmt.Errorf("recording consumer partitions: %w", redact(err))
	}
	return nil
}

// Process is one live `tally run` process as lease_holders records it.
type Process struct {
	Holder    string    `json:"holder"`
	Host      string    `json:"host"`
	PID       int64     `json:"pid"`
	Started   time.Time `json:"process_started_at"`
	Heartbeat time.Time `json:"heartbeat_at"`
	// Generation is the consumer-group generation of Partitions; nil
	// while the process is not a member (starting, rebalancing).
	Generation *int64            `json:"consumer_generation"`
	Partitions []TopicPartitions `json:"partitions"`
	// PartitionsAt is when the process joined that generation (or left
	// the previous one); nil before its consumer first joined.
	PartitionsAt *time.Time `json:"partitions_at"`
}

// Processes returns the processes whose heartbeat is younger than ttl
// (DefaultTTL when 0), by holder: the live members of the fleet with the
// partitions each consumes. On SQLite it returns none.
func Processes(ctx context.Context, w *warehouse.Warehouse, ttl time.Duration) ([]Process, error) {
	if w.Driver() != warehouse.Postgres {
		return nil, nil
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	var rows []struct {
		Holder       string     `db:"holder"`
		Host         string     `db:"host"`
		PID          int64      `db:"pid"`
		Started      time.Time  `db:"started_at"`
		Heartbeat    time.Time  `db:"heartbeat_at"`
		Generation   *int64     `db:"consumer_generation"`
		Partitions   string     `db:"partitions"`
		PartitionsAt *time.Time `db:"partitions_at"`
	}
	if err := w.DB().SelectContext(ctx, &rows, `SELECT holder, host, pid, started_at, heartbeat_at, consumer_generation,
		partitions, partitions_at FROM lease_holders WHERE heartbeat_at > now() - $1 * interval '1 millisecond'
		ORDER BY holder`, ttl.Milliseconds()); err != nil {
		return nil, fmt.Errorf("listing processes: %w", redact(err))
	}
	out := make([]Process, 0, len(rows))
	for _, r := range rows {
		p := Process{Holder: r.Holder, Host: r.Host, PID: r.PID, Started: r.Started.UTC(), Heartbeat: r.Heartbeat.UTC(),
			Generation: r.Generation, PartitionsAt: r.PartitionsAt, Partitions: []TopicPartitions{}}
		if r.Partitions != "" {
			if err := json.Unmarshal([]byte(r.Partitions), &p.Partitions); err != nil {
				return nil, fmt.Errorf("listing processes: partitions of %s: %w", r.Holder, err)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Self returns this process as Processes would list it, from memory:
// the live status of a process shows its own assignment even on SQLite
// and before its next heartbeat.
func (m *Manager) Self() Process {
	p := &m.parts
	p.mu.Lock()
	defer p.mu.Unlock()
	self := Process{Holder: m.holder, Host: m.host, PID: int64(os.Getpid()), Started: m.started.UTC(),
		Heartbeat: time.Now().UTC(), Partitions: []TopicPartitions{}}
	if !p.at.IsZero() {
		at := p.at
		self.PartitionsAt = &at
	}
	if p.member {
		g := p.generation
		self.Generation = &g
		self.Partitions = append(self.Partitions, p.groups...)
	}
	return self
}
