package status

import (
	"context"
	"sort"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse/lease"
)

// Lease is one connector lease: which process pulls the binding.
type Lease struct {
	Tenant    string `json:"tenant"`
	Connector string `json:"connector"`
	// Holder is the holding (or last) process, as in Process.Holder;
	// Host and PID are its host name and process id.
	Holder string `json:"holder"`
	Host   string `json:"host"`
	PID    int64  `json:"pid"`
	// Token is the fencing token: it grows at every takeover.
	Token   int64     `json:"token"`
	Since   time.Time `json:"since"`
	Expires time.Time `json:"expires_at"`
	// Held is false for a released or expired lease (free to take).
	Held bool `json:"held"`
}

// Binding names one connector of one tenant.
type Binding struct {
	Tenant    string `json:"tenant"`
	Connector string `json:"connector"`
}

// TopicPartitions are the partitions of one topic a process consumes.
type TopicPartitions = lease.TopicPartitions

// Process is one live `tally run` process of the fleet sharing the
// warehouse: its connector leases and its consumer-group partitions.
type Process struct {
	Holder    string    `json:"holder"` // host-pid-random, as in the leases table
	Host      string    `json:"host"`
	PID       int64     `json:"pid"`
	Started   time.Time `json:"started_at"`
	Heartbeat time.Time `json:"heartbeat_at"`
	// Self is true for the process serving this status (a live one).
	Self   bool      `json:"self"`
	Leases []Binding `json:"leases"`
	// Generation is the consumer-group generation of Partitions; nil
	// while the process is not a group member (starting, rebalancing).
	Generation   *int64            `json:"consumer_generation"`
	Partitions   []TopicPartitions `json:"partitions"`
	PartitionsAt *time.Time        `json:"partitions_at"`
}

// Consumer is the process consuming one partition of a stream's topic.
type Consumer struct {
	Partition int    `json:"partition"`
	Holder    string `json:"holder"`
}

// fleet fills the leases, the live processes and, per stream, its lease
// holder and the process consuming each partition. Processes come from
// lease_holders (heartbeat younger than LeaseTTL) and Self; with a
// tenant filter, only that tenant's leases and topics are shown.
func (b *builder) fleet(ctx context.Context, tenant string) {
	rows, err := lease.List(ctx, b.src.Warehouse)
	if err != nil {
		b.unavailable("leases", err)
	}
	procs, err := lease.Processes(ctx, b.src.Warehouse, b.src.LeaseTTL)
	if err != nil {
		b.unavailable("leases", err)
	}
	if s := b.src.Self; s != nil {
		i := indexOf(procs, s.Holder)
		if i < 0 {
			procs = append(procs, *s)
		} else {
			procs[i] = *s // fresher than its last heartbeat
		}
	}
	byHolder := map[string]*Process{}
	for _, p := range procs {
		st := Process{Holder: p.Holder, Host: p.Host, PID: p.PID, Started: p.Started, Heartbeat: p.Heartbeat,
			Self: b.src.Self != nil && p.Holder == b.src.Self.Holder, Leases: []Binding{}, Generation: p.Generation,
			Partitions: []TopicPartitions{}, PartitionsAt: p.PartitionsAt}
		b.st.Processes = append(b.st.Processes, st)
	}
	sort.Slice(b.st.Processes, func(i, j int) bool { return b.st.Processes[i].Holder < b.st.Processes[j].Holder })
	for i := range b.st.Processes {
		byHolder[b.st.Processes[i].Holder] = &b.st.Processes[i]
	}
	holderOf := map[Binding]string{}
	for _, r := range rows {
		if tenant != "" && r.Tenant != tenant {
			continue
		}
		b.st.Leases = append(b.st.Leases, Lease{Tenant: r.Tenant, Connector: r.Connector, Holder: r.Holder, Host: r.Host,
			PID: r.PID, Token: r.Token, Since: r.AcquiredAt.UTC(), Expires: r.ExpiresAt.UTC(), Held: r.Held})
		if !r.Held {
			continue
		}
		bd := Binding{r.Tenant, r.Connector}
		holderOf[bd] = r.Holder
		if p := byHolder[r.Holder]; p != nil {
			p.Leases = append(p.Leases, bd)
		}
	}
	// The topics of the listed streams: a tenant filter keeps only its own.
	topics := map[string]int{}
	for i, s := range b.st.Streams {
		topics[pipeline.TopicName(b.src.TopicPrefix, pipeline.Stream{Tenant: s.Tenant, Source: s.Connector, Object: s.Object})] = i
		b.st.Streams[i].LeaseHolder = holderOf[Binding{s.Tenant, s.Connector}]
		b.st.Streams[i].Consumers = []Consumer{}
	}
	for _, p := range procs {
		st := byHolder[p.Holder]
		for _, tp := range p.Partitions {
			si, ok := topics[tp.Topic]
			if !ok && tenant != "" {
				continue
			}
			st.Partitions = append(st.Partitions, tp)
			if ok {
				for _, n := range tp.Partitions {
					b.st.Streams[si].Consumers = append(b.st.Streams[si].Consumers, Consumer{Partition: n, Holder: p.Holder})
				}
			}
		}
	}
	for i := range b.st.Streams {
		c := b.st.Streams[i].Consumers
		sort.Slice(c, func(x, y int) bool { return c[x].Partition < c[y].Partition })
	}
}

func indexOf(ps []lease.Process, holder string) int {
	for i, p := range ps {
		if p.Holder == holder {
			return i
		}
	}
	return -1
}
