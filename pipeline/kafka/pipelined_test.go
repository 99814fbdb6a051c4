package kafka

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

// TestConsumePipelinedOverlapsAndOrders: batch n+1 is prepared while
// batch n commits, commits run in offset order one at a time, and every
// message is committed once.
func TestConsumePipelinedOverlapsAndOrders(t *testing.T) {
	l, _ := testLog(t, func(c *Config) { c.MaxBatch = 10 })
	const topic = "raw.acme.hubspot.deal"
	ensure(t, l, topic, 1)
	publishTo(t, l, topic, 0, 50)

	var mu sync.Mutex
	committing, overlapped := false, false
	var next int64
	s := newStore()
	prepare := func(_ context.Context, tp pipeline.TopicPartition, msgs []pipeline.Message) (pipeline.CommitFunc, error) {
		mu.Lock()
		overlapped = overlapped || committing
		mu.Unlock()
		return func(ctx context.Context) error {
			mu.Lock()
			if committing || msgs[0].Position.Offset != next {
				mu.Unlock()
				return errors.New("commit out of order or concurrent with another")
			}
			committing, next = true, msgs[len(msgs)-1].Position.Offset+1
			mu.Unlock()
			time.Sleep(20 * time.Millisecond) // a warehouse transaction
			err := s.handle(ctx, tp, msgs)
			mu.Lock()
			committing = false
			mu.Unlock()
			return err
		}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.ConsumePipelined(ctx, []string{topic}, s.start, prepare) }()
	waitFor(t, "50 messages committed", func() bool { return s.total.Load() >= 50 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ConsumePipelined() = %v", err)
	}
	for pos, n := range s.seen {
		if n != 1 {
			t.Errorf("message %v committed %d times, want 1", pos, n)
		}
	}
	if s.total.Load() != 50 {
		t.Errorf("committed %d messages, want 50", s.total.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if !overlapped {
		t.Error("no batch was prepared while another committed")
	}
}

// TestConsumePipelinedCommitFailureStopsLaterCommits: when batch n fails
// to commit, the batch prepared behind it never commits, and the
// partition's stored offset stays where batch n-1 left it.
func TestConsumePipelinedCommitFailureStopsLaterCommits(t *testing.T) {
	l, _ := testLog(t, func(c *Config) { c.MaxBatch = 5 })
	const topic = "raw.acme.pipedrive.deal"
	ensure(t, l, topic, 1)
	publishTo(t, l, topic, 0, 30)

	errBoom := errors.New("boom")
	s := newStore()
	var prepared atomic.Int64
	prepare := func(_ context.Context, tp pipeline.TopicPartition, msgs []pipeline.Message) (pipeline.CommitFunc, error) {
		first := msgs[0].Position.Offset
		prepared.Add(1)
		return func(ctx context.Context) error {
			if first == 5 { // the second batch fails once the third is prepared behind it
				waitFor(t, "the third batch prepared", func() bool { return prepared.Load() >= 3 })
				return errBoom
			}
			return s.handle(ctx, tp, msgs)
		}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := l.ConsumePipelined(ctx, []string{topic}, s.start, prepare)
	if !errors.Is(err, errBoom) {
		t.Fatalf("ConsumePipelined() = %v, want an error wrapping %v", err, errBoom)
	}
	tp := pipeline.TopicPartition{Topic: topic}
	if got := s.offsets[tp]; got != 5 || s.total.Load() != 5 {
		t.Errorf("stored offset %d after %d messages, want 5 after 5 (nothing after the failed batch)", got, s.total.Load())
	}
}

// TestFetchEndsBatchAtBytes: a batch ends with the message that reaches
// MaxBatchBytes.
func TestFetchEndsBatchAtBytes(t *testing.T) {
	// keyed messages are "key-N" and "seq=NNNNNN": 15 or 16 bytes.
	l, _ := testLog(t, func(c *Config) { c.MaxBatch = 1000; c.MaxBatchBytes = 40 })
	const topic = "raw.acme.hubspot.contact"
	ensure(t, l, topic, 1)
	publishTo(t, l, topic, 0, 9)

	var mu sync.Mutex
	var sizes []int
	s := newStore()
	stop := consume(t, l, []string{topic}, s.start, func(ctx context.Context, tp pipeline.TopicPartition, msgs []pipeline.Message) error {
		mu.Lock()
		sizes = append(sizes, len(msgs))
		mu.Unlock()
		return s.handle(ctx, tp, msgs)
	})
	waitFor(t, "9 messages", func() bool { return s.total.Load() >= 9 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, n := range sizes {
		if n > 3 || (n < 3 && i < len(sizes)-1) {
			t.Errorf("batch sizes %v, want 3 messages each (the third reaches 40 bytes)", sizes)
			break
		}
	}
}
