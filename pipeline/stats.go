package pipeline

import (
	"sort"
	"sync"
	"sync/atomic"
)

// StreamStats counts what happened to one stream's records. All fields
// are updated atomically and may be read while the pipeline runs.
type StreamStats struct {
	Pulled      atomic.Int64 // records emitted by the connector
	Consumed    atomic.Int64 // records read back from the log
	Upserted    atomic.Int64 // upserts handed to the sink
	Deleted     atomic.Int64 // deletes handed to the sink
	Quarantined atomic.Int64 // records rejected by a stage
	Dropped     atomic.Int64 // records dropped on purpose
	// PersonalSeen counts raw personal values in records as read from
	// the log; PersonalKept those still raw after the stages (must be 0).
	PersonalSeen atomic.Int64
	PersonalKept atomic.Int64

	qmu        sync.Mutex
	quarantine map[QuarantineKey]int64 // see AddQuarantine
}

// Stats holds the counters of every stream.
type Stats struct {
	mu      sync.Mutex
	streams map[Stream]*StreamStats
}

// NewStats returns empty stats.
func NewStats() *Stats { return &Stats{streams: map[Stream]*StreamStats{}} }

// Stream returns the counters of s, creating them.
func (st *Stats) Stream(s Stream) *StreamStats {
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.streams[s]
	if !ok {
		c = &StreamStats{}
		st.streams[s] = c
	}
	return c
}

// StreamCounts is a snapshot of StreamStats.
type StreamCounts struct {
	Stream
	Pulled, Consumed, Upserted, Deleted, Quarantined, Dropped int64
	PersonalSeen, PersonalKept                                int64
	// Quarantine breaks Quarantined down by stage, field and rule (as far
	// as they were counted with AddQuarantine).
	Quarantine map[QuarantineKey]int64
}

// Snapshot returns the counters of every stream, sorted by stream.
func (st *Stats) Snapshot() []StreamCounts {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]StreamCounts, 0, len(st.streams))
	for s, c := range st.streams {
		out = append(out, c.counts(s))
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Stream, out[j].Stream
		if a.Tenant != b.Tenant {
			return a.Tenant < b.Tenant
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Object < b.Object
	})
	return out
}
