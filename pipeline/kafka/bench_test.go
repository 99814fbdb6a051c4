package kafka

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

// benchBatch returns n keyed messages with ~300-byte values, the size of
// a typical encoded CRM record.
func benchBatch(n int) []pipeline.Message {
	value := make([]byte, 300)
	for i := range value {
		value[i] = byte('a' + i%26)
	}
	msgs := make([]pipeline.Message, n)
	for i := range msgs {
		msgs[i] = pipeline.Message{Key: fmt.Appendf(nil, "record-%d", i), Value: value, Partition: -1}
	}
	return msgs
}

// BenchmarkPublish publishes one 1000-message batch per op to a
// 4-partition topic on the embedded broker.
func BenchmarkPublish(b *testing.B) {
	l, _ := testLog(b, nil)
	const topic = "bench.publish"
	ensure(b, l, topic, 4)
	msgs := benchBatch(1000)
	ctx := context.Background()
	b.SetBytes(int64(len(msgs) * 300))
	b.ResetTimer()
	for b.Loop() {
		if err := l.Publish(ctx, topic, msgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkConsume reads 100,000 pre-published messages from a
// 4-partition topic per op. msgs/s counts from the first handled batch
// to the last, leaving out joining the group.
func BenchmarkConsume(b *testing.B) {
	const perOp = 100_000
	l, _ := testLog(b, nil)
	ctx := context.Background()
	msgs := benchBatch(1000)
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		topic := fmt.Sprintf("bench.consume.%d", i)
		ensure(b, l, topic, 4)
		for range perOp / len(msgs) {
			if err := l.Publish(ctx, topic, msgs); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()

		var mu sync.Mutex
		var first, last time.Time
		n := 0
		done := make(chan struct{})
		cctx, cancel := context.WithCancel(ctx)
		handle := func(_ context.Context, _ pipeline.TopicPartition, batch []pipeline.Message) error {
			mu.Lock()
			defer mu.Unlock()
			if n == 0 {
				first = time.Now()
			}
			n += len(batch)
			if n == perOp {
				last = time.Now()
				close(done)
			}
			return nil
		}
		errc := make(chan error, 1)
		go func() { errc <- l.Consume(cctx, []string{topic}, newStore().start, handle) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			b.Fatal("consume did not finish within 60s")
		}
		cancel()
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		elapsed += last.Sub(first)
	}
	b.ReportMetric(float64(b.N*perOp)/elapsed.Seconds(), "msgs/s")
}
