package kafka

import (
	"sync"
	"testing"

	"github.com/tally-dev/tally/pipeline"
)

// TestAssignment: two members of one group report, through Assignment
// and the OnAssign hook, disjoint partitions of one generation covering
// the topic; a member that stops reports none.
func TestAssignment(t *testing.T) {
	l, e := testLog(t, nil)
	const topic = "raw.acme.hubspot.deal"
	ensure(t, l, topic, 4)
	var mu sync.Mutex
	var calls []bool
	l.OnAssign(func(_ Assignment, member bool) {
		mu.Lock()
		calls = append(calls, member)
		mu.Unlock()
	})
	if _, ok := l.Assignment(); ok {
		t.Fatal("Assignment before Consume reports a generation")
	}
	s := newStore()
	stopA := consume(t, l, []string{topic}, s.start, s.handle)
	m := openLog(t, e.Addrs(), func(c *Config) { c.GroupID = l.cfg.GroupID })
	stopB := consume(t, m, []string{topic}, s.start, s.handle)
	waitFor(t, "two members of one generation split the 4 partitions", func() bool {
		a, okA := l.Assignment()
		b, okB := m.Assignment()
		if !okA || !okB || a.Generation != b.Generation || len(a.Partitions)+len(b.Partitions) != 4 {
			return false
		}
		seen := map[pipeline.TopicPartition]bool{}
		for _, tp := range append(a.Partitions, b.Partitions...) {
			seen[tp] = true
		}
		return len(seen) == 4 && len(a.Partitions) == 2
	})
	if err := stopA(); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.Assignment(); ok {
		t.Error("a stopped member still reports a generation")
	}
	waitFor(t, "the remaining member takes all 4", func() bool {
		b, ok := m.Assignment()
		return ok && len(b.Partitions) == 4
	})
	if err := stopB(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) < 2 || !calls[0] || calls[len(calls)-1] {
		t.Errorf("OnAssign calls = %v, want a join first and a leave last", calls)
	}
}
