package kafka

import (
	"bytes"
	"context"
	"errors"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tally-dev/tally/pipeline"
)

// publishTo publishes n messages to partition p of topic.
func publishTo(t testing.TB, l *Log, topic string, p, n int) {
	t.Helper()
	msgs := keyed(n, n)
	for i := range msgs {
		msgs[i].Partition = p
	}
	if err := l.Publish(context.Background(), topic, msgs); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

func TestConsumeStartsAtStoredOffsets(t *testing.T) {
	var logs pipelinetest.LogBuffer
	l, _ := testLog(t, nil)
	l.logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	const topic = "raw.acme.bullhorn.placement"
	ensure(t, l, topic, 3)
	for p := range 3 {
		publishTo(t, l, topic, p, 10)
	}

	tp := func(p int) pipeline.TopicPartition { return pipeline.TopicPartition{Topic: topic, Partition: p} }
	var startCalls atomic.Int32
	var assigned []pipeline.TopicPartition
	s := newStore()
	start := func(ctx context.Context, got []pipeline.TopicPartition) (map[pipeline.TopicPartition]int64, error) {
		startCalls.Add(1)
		assigned = got
		// Partition 2 has no stored offset; 1 is beyond the end.
		return map[pipeline.TopicPartition]int64{tp(0): 6, tp(1): 25}, nil
	}
	stop := consume(t, l, []string{topic}, start, s.handle)
	waitFor(t, "partitions 0 and 2", func() bool { return s.total.Load() >= 4+10 })
	publishTo(t, l, topic, 1, 2) // offsets 10 and 11
	waitFor(t, "new messages of partition 1", func() bool { return s.total.Load() >= 4+10+2 })
	if err := stop(); err != nil {
		t.Fatalf("Consume: %v", err)
	}

	if n := startCalls.Load(); n != 1 {
		t.Errorf("StartFunc called %d times, want once", n)
	}
	if diff := cmp.Diff([]pipeline.TopicPartition{tp(0), tp(1), tp(2)}, assigned); diff != "" {
		t.Errorf("StartFunc assigned (-want +got):\n%s", diff)
	}
	first := map[int]int64{}
	count := map[int]int{}
	for _, m := range s.snapshot() {
		p := m.Position.Partition
		if _, ok := first[p]; !ok {
			first[p] = m.Position.Offset
		}
		count[p]++
	}
	if diff := cmp.Diff(map[int]int64{0: 6, 1: 10, 2: 0}, first); diff != "" {
		t.Errorf("first offset read per partition (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[int]int{0: 4, 1: 2, 2: 10}, count); diff != "" {
		t.Errorf("messages read per partition (-want +got):\n%s", diff)
	}
	if !bytes.Contains(logs.Bytes(), []byte("beyond the end")) || !bytes.Contains(logs.Bytes(), []byte("count=15")) {
		t.Errorf("log = %q, want a warning about partition 1 with count=15", logs.Bytes())
	}
}

func TestConsumeMissingTopic(t *testing.T) {
	l, _ := testLog(t, nil)
	err := l.Consume(context.Background(), []string{"missing"}, newStore().start, newStore().handle)
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Consume(missing) = %v, want an error naming the topic", err)
	}
}

func TestConsumeHandleErrorStops(t *testing.T) {
	l, _ := testLog(t, nil)
	const topic = "raw.acme.marketo.lead"
	ensure(t, l, topic, 2)
	publishTo(t, l, topic, 0, 5)
	publishTo(t, l, topic, 1, 5)

	errBoom := errors.New("boom")
	s := newStore()
	handle := func(ctx context.Context, tp pipeline.TopicPartition, msgs []pipeline.Message) error {
		if tp.Partition == 1 {
			return errBoom
		}
		return s.handle(ctx, tp, msgs)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := l.Consume(ctx, []string{topic}, s.start, handle)
	if !errors.Is(err, errBoom) {
		t.Fatalf("Consume = %v, want an error wrapping %v", err, errBoom)
	}
	if ctx.Err() != nil {
		t.Fatalf("Consume returned only after its context expired")
	}
}

func TestConsumeCancelWaitsForInFlightHandle(t *testing.T) {
	l, _ := testLog(t, nil)
	const topic = "raw.acme.hubspot.deal"
	ensure(t, l, topic, 1)
	publishTo(t, l, topic, 0, 3)

	entered := make(chan struct{})
	release := make(chan struct{})
	var completed atomic.Bool
	var handleCtxErr error
	handle := func(ctx context.Context, tp pipeline.TopicPartition, msgs []pipeline.Message) error {
		close(entered)
		<-release
		handleCtxErr = ctx.Err()
		completed.Store(true)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Consume(ctx, []string{topic}, newStore().start, handle) }()

	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("handle not called within 30s")
	}
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Consume returned %v while handle was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Consume after cancel = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Consume did not return after handle finished")
	}
	if !completed.Load() {
		t.Error("in-flight handle did not complete")
	}
	if handleCtxErr != nil {
		t.Errorf("handle's context was cancelled (%v), want it to outlive Consume's", handleCtxErr)
	}
}

func deleteRecords(t *testing.T, brokers []string, topic string, p int32, offset int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	defer cl.Close()
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = p, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), cl)
	if err != nil {
		t.Fatalf("DeleteRecords: %v", err)
	}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				t.Fatalf("DeleteRecords %s/%d: %v", rt.Topic, rp.Partition, err)
			}
		}
	}
}

func TestConsumeClampsBeforeEarliest(t *testing.T) {
	var logs pipelinetest.LogBuffer
	l, e := testLog(t, nil)
	l.logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	const topic = "raw.acme.hubspot.company"
	ensure(t, l, topic, 1)
	publishTo(t, l, topic, 0, 10)
	deleteRecords(t, e.Addrs(), topic, 0, 4)

	tp := pipeline.TopicPartition{Topic: topic, Partition: 0}
	s := newStore()
	start := func(context.Context, []pipeline.TopicPartition) (map[pipeline.TopicPartition]int64, error) {
		return map[pipeline.TopicPartition]int64{tp: 1}, nil
	}
	stop := consume(t, l, []string{topic}, start, s.handle)
	waitFor(t, "the retained messages", func() bool { return s.total.Load() >= 6 })
	if err := stop(); err != nil {
		t.Fatalf("Consume: %v", err)
	}
	if got := s.snapshot()[0].Position.Offset; got != 4 {
		t.Errorf("first offset read = %d, want 4 (the earliest retained)", got)
	}
	if !bytes.Contains(logs.Bytes(), []byte("retention removed")) || !bytes.Contains(logs.Bytes(), []byte("count=3")) {
		t.Errorf("log = %q, want a retention warning with count=3", logs.Bytes())
	}
}
