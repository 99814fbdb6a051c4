package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

func TestConsumeGroupSplitsPartitions(t *testing.T) {
	l, e := testLog(t, nil)
	const topic = "raw.acme.salesforce.opportunity"
	ensure(t, l, topic, 4)
	if err := l.Publish(context.Background(), topic, keyed(400, 100)); err != nil {
		t.Fatalf("Publish: %v", err)
	}

	// s is the warehouse both members share; each member records the
	// partitions its last StartFunc call was given.
	s := newStore()
	var mu sync.Mutex
	last := map[string][]pipeline.TopicPartition{}
	handled := map[string]int{}
	member := func(name string, ml *Log) func() error {
		start := func(ctx context.Context, tps []pipeline.TopicPartition) (map[pipeline.TopicPartition]int64, error) {
			mu.Lock()
			last[name] = tps
			mu.Unlock()
			return s.start(ctx, tps)
		}
		handle := func(ctx context.Context, tp pipeline.TopicPartition, msgs []pipeline.Message) error {
			mu.Lock()
			handled[name] += len(msgs)
			mu.Unlock()
			return s.handle(ctx, tp, msgs)
		}
		return consume(t, ml, []string{topic}, start, handle)
	}

	stopA := member("a", l)
	waitFor(t, "a to read the first 400", func() bool { return s.total.Load() >= 400 })
	joinB := time.Now()
	stopB := member("b", openLog(t, e.Addrs(), func(c *Config) { c.GroupID = l.cfg.GroupID }))
	split := func() bool {
		mu.Lock()
		defer mu.Unlock()
		a, b := last["a"], last["b"]
		seen := map[pipeline.TopicPartition]bool{}
		for _, tp := range append(append([]pipeline.TopicPartition{}, a...), b...) {
			seen[tp] = true
		}
		return len(a) == 2 && len(b) == 2 && len(seen) == 4
	}
	waitFor(t, "a and b to hold two partitions each", split)
	t.Logf("rebalance onto a second member took %v", time.Since(joinB))

	if err := l.Publish(context.Background(), topic, keyed(400, 100)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	waitFor(t, "all 800 messages", func() bool { return s.total.Load() >= 800 })

	// When a leaves, b takes over all partitions where a stopped.
	leaveA := time.Now()
	if err := stopA(); err != nil {
		t.Errorf("Consume a: %v", err)
	}
	waitFor(t, "b to hold all partitions", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(last["b"]) == 4
	})
	t.Logf("rebalance after a left took %v", time.Since(leaveA))
	if err := l.Publish(context.Background(), topic, keyed(100, 100)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	waitFor(t, "all 900 messages", func() bool { return s.total.Load() >= 900 })
	if err := stopB(); err != nil {
		t.Errorf("Consume b: %v", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) != 900 {
		t.Errorf("read %d distinct messages, want 900", len(s.seen))
	}
	for pos, n := range s.seen {
		if n != 1 {
			t.Errorf("message at %+v read %d times, want once", pos, n)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if handled["b"] == 0 || handled["a"] <= 400 {
		t.Errorf("handled per member = %v, want both to read after the split", handled)
	}
}

// TestConsumeJoinLatency reports how long the first member takes from
// calling Consume to its StartFunc call; see the -v output.
func TestConsumeJoinLatency(t *testing.T) {
	l, _ := testLog(t, nil)
	const topic = "raw.acme.csvfile.deal"
	ensure(t, l, topic, 4)
	started := make(chan time.Time, 1)
	start := func(ctx context.Context, tps []pipeline.TopicPartition) (map[pipeline.TopicPartition]int64, error) {
		select {
		case started <- time.Now():
		default:
		}
		return nil, nil
	}
	t0 := time.Now()
	stop := consume(t, l, []string{topic}, start, newStore().handle)
	select {
	case at := <-started:
		t.Logf("first join took %v", at.Sub(t0))
	case <-time.After(30 * time.Second):
		t.Fatal("StartFunc not called within 30s")
	}
	t1 := time.Now()
	if err := stop(); err != nil {
		t.Errorf("Consume: %v", err)
	}
	t.Logf("leaving the group took %v", time.Since(t1))
}
