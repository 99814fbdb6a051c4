package kafka

import (
	"slices"
	"sync"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

// Assignment is what the consumer group gave this process's Consume in
// its current generation: the operator's view of which process consumes
// which partitions (tally status).
type Assignment struct {
	// Generation is the group generation the partitions belong to.
	Generation int32
	// Partitions are the assigned partitions in topic, partition order;
	// empty when the member got none (more members than partitions).
	Partitions []pipeline.TopicPartition
	// At is when this member joined the generation.
	At time.Time
}

// assignment holds a Log's current Assignment and the hooks told of
// every change. The zero value is ready: no generation, no hook.
type assignment struct {
	mu      sync.Mutex
	current *Assignment
	hooks   []func(Assignment, bool)
}

// Assignment returns the partitions Consume reads now; ok is false when
// no Consume is a member of a generation (not started, rebalancing,
// stopped).
func (l *Log) Assignment() (a Assignment, ok bool) {
	l.assigned.mu.Lock()
	defer l.assigned.mu.Unlock()
	if l.assigned.current == nil {
		return Assignment{}, false
	}
	a = *l.assigned.current
	a.Partitions = slices.Clone(a.Partitions)
	return a, true
}

// OnAssign registers f to be called after every change of Assignment:
// with ok true when a generation starts, false when it ends. f runs on
// the consumer's goroutine and must not block (record and signal).
func (l *Log) OnAssign(f func(a Assignment, ok bool)) {
	l.assigned.mu.Lock()
	defer l.assigned.mu.Unlock()
	l.assigned.hooks = append(l.assigned.hooks, f)
}

// set records the partitions of generation gen (Consume's hook).
func (s *assignment) set(gen int32, tps []pipeline.TopicPartition) {
	a := Assignment{Generation: gen, Partitions: slices.Clone(tps), At: time.Now().UTC()}
	s.mu.Lock()
	s.current = &a
	hooks := slices.Clone(s.hooks)
	s.mu.Unlock()
	for _, f := range hooks {
		f(a, true)
	}
}

// end forgets generation gen when it is still the current one.
func (s *assignment) end(gen int32) {
	s.mu.Lock()
	if s.current == nil || s.current.Generation != gen {
		s.mu.Unlock()
		return
	}
	s.current = nil
	hooks := slices.Clone(s.hooks)
	s.mu.Unlock()
	for _, f := range hooks {
		f(Assignment{Generation: gen}, false)
	}
}
