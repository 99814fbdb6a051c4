package kafka

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tally-dev/tally/pipeline"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; nil means valid
	}{
		{"defaults", Config{Brokers: []string{"localhost:9092"}}, nil},
		{"no brokers", Config{}, []string{"brokers: at least one"}},
		{
			"everything wrong",
			Config{
				Brokers:   []string{"localhost"},
				BatchSize: -1, MaxBatch: -2, MaxWait: -time.Second,
				SessionTimeout: 6 * time.Second, HeartbeatInterval: 3 * time.Second,
			},
			[]string{"brokers[0]", "batch_size", "max_batch", "max_wait", "heartbeat_interval"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestOpenRejectsInvalidConfig(t *testing.T) {
	if _, err := Open(Config{}, nil); err == nil {
		t.Fatal("Open(Config{}) = nil error, want one")
	}
}

func TestStartAt(t *testing.T) {
	b := bounds{first: 10, end: 20}
	tests := []struct {
		name      string
		stored    int64
		ok        bool
		want      int64
		wantClamp clamp
		wantLost  int64
	}{
		{"none stored", 0, false, 10, clampNone, 0},
		{"inside", 15, true, 15, clampNone, 0},
		{"at end", 20, true, 20, clampNone, 0},
		{"at first", 10, true, 10, clampNone, 0},
		{"beyond end", 25, true, 20, clampEnd, 5},
		{"before first", 3, true, 10, clampFirst, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, c, lost := startAt(tc.stored, tc.ok, b)
			if got != tc.want || c != tc.wantClamp || lost != tc.wantLost {
				t.Errorf("startAt(%d, %v, %v) = %d, %d, %d; want %d, %d, %d",
					tc.stored, tc.ok, b, got, c, lost, tc.want, tc.wantClamp, tc.wantLost)
			}
		})
	}
}

func TestEnsureTopic(t *testing.T) {
	l, e := testLog(t, nil)
	ctx := context.Background()
	// other has cached the cluster's metadata before the topic exists,
	// as another tally process would have.
	other := openLog(t, e.Addrs(), nil)
	if _, err := other.EndOffsets(ctx, []string{"missing"}); err == nil {
		t.Fatal("EndOffsets(missing) = nil error, want one")
	}
	spec := pipeline.TopicSpec{Name: "raw.acme.salesforce.deal", Partitions: 3, Retention: 36 * time.Hour}
	n, err := l.EnsureTopic(ctx, spec)
	if err != nil || n != 3 {
		t.Fatalf("EnsureTopic(%v) = %d, %v; want 3, nil", spec, n, err)
	}
	got, err := l.TopicRetention(ctx, spec.Name)
	if err != nil || got != spec.Retention {
		t.Errorf("TopicRetention = %v, %v; want %v", got, err, spec.Retention)
	}

	// An existing topic keeps its partitions and retention.
	again := pipeline.TopicSpec{Name: spec.Name, Partitions: 8, Retention: time.Hour}
	if n, err := l.EnsureTopic(ctx, again); err != nil || n != 3 {
		t.Errorf("EnsureTopic(%v) on existing topic = %d, %v; want 3, nil", again, n, err)
	}
	if got, _ := l.TopicRetention(ctx, spec.Name); got != spec.Retention {
		t.Errorf("TopicRetention after second EnsureTopic = %v, want %v", got, spec.Retention)
	}

	// A topic created by another client is found too.
	if n, err := other.EnsureTopic(ctx, spec); err != nil || n != 3 {
		t.Errorf("EnsureTopic from another Log = %d, %v; want 3, nil", n, err)
	}
	if err := other.Publish(ctx, spec.Name, keyed(3, 3)); err != nil {
		t.Errorf("Publish from another Log: %v", err)
	}

	for _, bad := range []pipeline.TopicSpec{
		{Name: "forever", Partitions: 1, Retention: 0},
		{Name: "", Partitions: 1, Retention: time.Hour},
	} {
		if _, err := l.EnsureTopic(ctx, bad); !errors.Is(err, pipeline.ErrConfig) {
			t.Errorf("EnsureTopic(%+v) = %v, want ErrConfig", bad, err)
		}
	}
	if _, err := l.TopicRetention(ctx, "missing"); err == nil {
		t.Error("TopicRetention(missing) = nil error, want one")
	}
}

func TestPublishRoutesByKeyAndKeepsOrder(t *testing.T) {
	l, _ := testLog(t, nil)
	ctx := context.Background()
	const topic = "raw.acme.hubspot.contact"
	ensure(t, l, topic, 4)

	msgs := keyed(400, 37)
	// Several calls, as a connector publishes page by page.
	for i := 0; i < len(msgs); i += 100 {
		if err := l.Publish(ctx, topic, msgs[i:i+100]); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	ends, err := l.EndOffsets(ctx, []string{topic})
	if err != nil {
		t.Fatalf("EndOffsets: %v", err)
	}
	var sum int64
	for _, e := range ends {
		sum += e
	}
	if len(ends) != 4 || sum != 400 {
		t.Fatalf("EndOffsets = %v, want 4 partitions summing to 400", ends)
	}

	s := newStore()
	stop := consume(t, l, []string{topic}, s.start, s.handle)
	waitFor(t, "400 messages", func() bool { return s.total.Load() >= 400 })
	if err := stop(); err != nil {
		t.Fatalf("Consume: %v", err)
	}

	keyPartition := map[string]int{}
	lastSeq := map[int]string{}
	lastOffset := map[int]int64{}
	for _, m := range s.snapshot() {
		p := m.Position.Partition
		if m.Partition != p || m.Position.Topic != topic || m.Time.IsZero() {
			t.Errorf("message %s: Partition %d, Position %+v, Time %v", m.Value, m.Partition, m.Position, m.Time)
		}
		if want := hash.Balance(kafkaMessage(m), 0, 1, 2, 3); p != want {
			t.Errorf("key %s on partition %d, want %d (murmur2)", m.Key, p, want)
		}
		if q, ok := keyPartition[string(m.Key)]; ok && q != p {
			t.Errorf("key %s on partitions %d and %d", m.Key, q, p)
		}
		keyPartition[string(m.Key)] = p
		if last, ok := lastSeq[p]; ok && string(m.Value) <= last {
			t.Errorf("partition %d: %s after %s, want publish order", p, m.Value, last)
		}
		if last, ok := lastOffset[p]; ok && m.Position.Offset != last+1 {
			t.Errorf("partition %d: offset %d after %d", p, m.Position.Offset, last)
		}
		lastSeq[p], lastOffset[p] = string(m.Value), m.Position.Offset
	}
	if len(s.seen) != 400 {
		t.Errorf("read %d distinct messages, want 400", len(s.seen))
	}
}

func TestPublishExplicitPartitions(t *testing.T) {
	l, _ := testLog(t, nil)
	ctx := context.Background()
	const topic = "raw.acme.pipedrive.deal"
	ensure(t, l, topic, 4)

	var msgs []pipeline.Message
	for round := range 3 {
		for p := range 4 {
			m, err := pipeline.EncodeCheckpoint(pipeline.Checkpoint{Tenant: "acme", Seq: int64(round)}, p)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, m)
		}
	}
	if err := l.Publish(ctx, topic, msgs); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	ends, err := l.EndOffsets(ctx, []string{topic})
	if err != nil {
		t.Fatalf("EndOffsets: %v", err)
	}
	want := map[pipeline.TopicPartition]int64{}
	for p := range 4 {
		want[pipeline.TopicPartition{Topic: topic, Partition: p}] = 3
	}
	if diff := cmp.Diff(want, ends); diff != "" {
		t.Errorf("EndOffsets (-want +got):\n%s", diff)
	}

	bad := []pipeline.Message{{Key: []byte("checkpoint"), Value: []byte("{}"), Partition: 4}}
	err = l.Publish(ctx, topic, bad)
	if err == nil || !strings.Contains(err.Error(), "partition 4") {
		t.Errorf("Publish to partition 4 of 4 = %v, want an error naming the partition", err)
	}
	if err := l.Publish(ctx, "missing", keyed(1, 1)); err == nil {
		t.Error("Publish to a missing topic = nil error, want one")
	}
}
