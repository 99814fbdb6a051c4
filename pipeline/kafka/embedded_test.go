package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
)

func TestEmbeddedRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const topic = "raw.acme.hubspot.deal"

	e, err := StartEmbedded(EmbeddedOptions{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	l := openLog(t, e.Addrs(), nil)
	if _, err := l.EnsureTopic(ctx, pipeline.TopicSpec{Name: topic, Partitions: 2, Retention: 3 * time.Hour}); err != nil {
		t.Fatalf("EnsureTopic: %v", err)
	}
	if err := l.Publish(ctx, topic, keyed(20, 7)); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	wantEnds, err := l.EndOffsets(ctx, []string{topic})
	if err != nil {
		t.Fatalf("EndOffsets: %v", err)
	}
	l.Close()
	if err := e.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	e2, err := StartEmbedded(EmbeddedOptions{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("StartEmbedded again: %v", err)
	}
	t.Cleanup(func() { e2.Close() })
	l2 := openLog(t, e2.Addrs(), nil)
	n, err := l2.EnsureTopic(ctx, pipeline.TopicSpec{Name: topic, Partitions: 5, Retention: time.Hour})
	if err != nil || n != 2 {
		t.Fatalf("EnsureTopic after restart = %d, %v; want 2 partitions kept", n, err)
	}
	if r, err := l2.TopicRetention(ctx, topic); err != nil || r != 3*time.Hour {
		t.Errorf("TopicRetention after restart = %v, %v; want 3h", r, err)
	}
	gotEnds, err := l2.EndOffsets(ctx, []string{topic})
	if err != nil {
		t.Fatalf("EndOffsets after restart: %v", err)
	}
	if diff := cmp.Diff(wantEnds, gotEnds); diff != "" {
		t.Errorf("EndOffsets after restart (-before +after):\n%s", diff)
	}

	s := newStore()
	stop := consume(t, l2, []string{topic}, s.start, s.handle)
	waitFor(t, "20 messages after restart", func() bool { return s.total.Load() >= 20 })
	if err := stop(); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	values := map[string]bool{}
	for _, m := range s.snapshot() {
		values[string(m.Value)] = true
	}
	for _, m := range keyed(20, 7) {
		if !values[string(m.Value)] {
			t.Errorf("message %s lost across restart", m.Value)
		}
	}
}

func TestEmbeddedAddrs(t *testing.T) {
	e, err := StartEmbedded(EmbeddedOptions{})
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	defer e.Close()
	if got := e.Addrs(); len(got) != 1 || got[0][:10] != "127.0.0.1:" {
		t.Errorf("Addrs() = %v, want one 127.0.0.1 address", got)
	}
	if err := e.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := e.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
