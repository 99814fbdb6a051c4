package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// oneMessageLog hands one record of its only topic to handle, the way
// the Kafka consumer does (a context that is not cancelled), and
// returns handle's error.
type oneMessageLog struct {
	Log
	handled chan struct{}
}

func (l *oneMessageLog) EnsureTopic(context.Context, TopicSpec) (int, error) { return 1, nil }

func (l *oneMessageLog) EndOffsets(_ context.Context, topics []string) (map[TopicPartition]int64, error) {
	return map[TopicPartition]int64{{Topic: topics[0]}: 1}, nil
}

func (l *oneMessageLog) Publish(context.Context, string, []Message) error { return nil }

func (l *oneMessageLog) Consume(ctx context.Context, topics []string, start StartFunc, handle HandleFunc) error {
	if _, err := start(ctx, []TopicPartition{{Topic: topics[0]}}); err != nil {
		return err
	}
	m, err := EncodeRecord(&Record{Tenant: "a", Source: "s", Object: "deal", ID: "1", Op: OpUpsert, Version: time.Unix(1, 0)})
	if err != nil {
		return err
	}
	m.Position = Position{Topic: topics[0]}
	close(l.handled)
	if err := handle(context.WithoutCancel(ctx), TopicPartition{Topic: topics[0]}, []Message{m}); err != nil {
		return fmt.Errorf("handling: %w", err)
	}
	<-ctx.Done()
	return nil
}

// idleSource has one object and nothing to pull.
type idleSource struct{}

func (idleSource) Objects() []string                                   { return []string{"deal"} }
func (idleSource) Sync(context.Context, string, string, Emitter) error { return nil }
func (idleSource) Open(context.Context) error                          { return nil }
func (idleSource) Close() error                                        { return nil }

// TestRunRetriesUntilStoppedAndStopsCleanly: under Run, a warehouse that
// stays down is retried (no outage limit) until the run is stopped,
// which then returns nil; the batch was not committed and is read again
// at the next start.
func TestRunRetriesUntilStoppedAndStopsCleanly(t *testing.T) {
	sink := &fakeSink{down: fmt.Errorf("connection refused: %w", ErrTransient)}
	l := &oneMessageLog{handled: make(chan struct{})}
	r, logs := testRunner(sink, 0)
	r.Log, r.Interval = l, time.Hour
	r.OutageLimit = time.Nanosecond // RunOnce's limit; Run must ignore it
	r.Bindings = []Binding{{Tenant: "a", Name: "s", Source: idleSource{}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	<-l.handled
	for !strings.Contains(logs.String(), "warehouse unreachable") {
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Run ended during the outage: %v", err)
	case <-time.After(500 * time.Millisecond): // a few retries
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run stopped during an outage = %v, want nil", err)
	}
	if len(sink.writes) != 0 {
		t.Errorf("%d batches committed by a sink that was down", len(sink.writes))
	}
}

// TestRunOnceGivesUpAfterTheOutageLimit: RunOnce stops retrying after
// OutageLimit and says which dependency was unreachable for how long.
func TestRunOnceGivesUpAfterTheOutageLimit(t *testing.T) {
	sink := &fakeSink{down: fmt.Errorf("connection refused: %w", ErrTransient)}
	l := &oneMessageLog{handled: make(chan struct{})}
	r, _ := testRunner(sink, 0)
	r.Log, r.OutageLimit = l, 300*time.Millisecond
	r.Bindings = []Binding{{Tenant: "a", Name: "s", Source: idleSource{}}}
	err := r.RunOnce(context.Background())
	var oe *OutageError
	if !errors.As(err, &oe) || oe.What != "warehouse" || !strings.Contains(err.Error(), "warehouse unreachable for 0s; giving up: connection refused") {
		t.Fatalf("RunOnce = %v, want an *OutageError of the warehouse", err)
	}
}
