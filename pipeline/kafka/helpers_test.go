package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"

	"github.com/tally-dev/tally/pipeline"
)

// testLog starts an in-memory embedded broker and opens a Log on it.
func testLog(t testing.TB, edit func(*Config)) (*Log, *Embedded) {
	t.Helper()
	e, err := StartEmbedded(EmbeddedOptions{})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return openLog(t, e.Addrs(), edit), e
}

// openLog opens a Log on brokers, closed when t ends.
func openLog(t testing.TB, brokers []string, edit func(*Config)) *Log {
	t.Helper()
	cfg := Config{Brokers: brokers, GroupID: "test-" + strings.ReplaceAll(t.Name(), "/", "-")}
	if edit != nil {
		edit(&cfg)
	}
	l, err := Open(cfg, testLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// testLogger writes warnings and errors to the test log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// ensure creates a topic with a day's retention.
func ensure(t testing.TB, l *Log, topic string, partitions int) {
	t.Helper()
	n, err := l.EnsureTopic(context.Background(), pipeline.TopicSpec{Name: topic, Partitions: partitions, Retention: 24 * time.Hour})
	if err != nil {
		t.Fatalf("EnsureTopic(%s): %v", topic, err)
	}
	if n != partitions {
		t.Fatalf("EnsureTopic(%s) = %d partitions, want %d", topic, n, partitions)
	}
}

// keyed returns n messages routed by key, with keys cycling over keys
// distinct values and values "seq=<i>".
func keyed(n, keys int) []pipeline.Message {
	msgs := make([]pipeline.Message, n)
	for i := range msgs {
		msgs[i] = pipeline.Message{
			Key:       fmt.Appendf(nil, "key-%d", i%keys),
			Value:     fmt.Appendf(nil, "seq=%06d", i),
			Partition: -1,
		}
	}
	return msgs
}

// store stands in for the warehouse: it records handled messages and
// the next offset of every partition, updated together.
type store struct {
	mu      sync.Mutex
	offsets map[pipeline.TopicPartition]int64
	seen    map[pipeline.Position]int
	msgs    []pipeline.Message
	total   atomic.Int64
}

func newStore() *store {
	return &store{offsets: map[pipeline.TopicPartition]int64{}, seen: map[pipeline.Position]int{}}
}

func (s *store) start(_ context.Context, assigned []pipeline.TopicPartition) (map[pipeline.TopicPartition]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[pipeline.TopicPartition]int64{}
	for _, tp := range assigned {
		if o, ok := s.offsets[tp]; ok {
			out[tp] = o
		}
	}
	return out, nil
}

func (s *store) handle(_ context.Context, tp pipeline.TopicPartition, msgs []pipeline.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range msgs {
		s.seen[m.Position]++
		s.msgs = append(s.msgs, m)
	}
	s.offsets[tp] = msgs[len(msgs)-1].Position.Offset + 1
	s.total.Add(int64(len(msgs)))
	return nil
}

func (s *store) snapshot() []pipeline.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// consume runs l.Consume in the background until the returned stop
// function is called; stop returns Consume's error.
func consume(t testing.TB, l *Log, topics []string, start pipeline.StartFunc, handle pipeline.HandleFunc) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Consume(ctx, topics, start, handle) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("Consume did not return within 30s of cancellation")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitFor polls cond until it holds or 30s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kafkaMessage is m as the producer's balancer sees it.
func kafkaMessage(m pipeline.Message) kafkago.Message {
	return kafkago.Message{Key: m.Key, Partition: -1}
}
