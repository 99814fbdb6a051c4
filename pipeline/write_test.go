package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSink commits batches in memory. A batch holding a record whose
// field "bad" is set fails as a whole with reject's error; down makes
// every Write fail, empty ones included; transient fails the next n
// Writes with a transient error.
type fakeSink struct {
	mu        sync.Mutex
	reject    error
	down      error
	transient int
	writes    []Batch // committed batches
	calls     int
}

func (s *fakeSink) Write(_ context.Context, b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	switch {
	case s.down != nil:
		return s.down
	case s.transient > 0:
		s.transient--
		return fmt.Errorf("connection lost: %w", ErrTransient)
	}
	for _, r := range b.Records {
		if r.Fields["bad"] != nil {
			return s.reject
		}
	}
	s.writes = append(s.writes, b)
	return nil
}

func (s *fakeSink) Offsets(context.Context, []string) (map[TopicPartition]int64, error) {
	return nil, nil
}
func (s *fakeSink) Cursor(context.Context, Stream, int) (string, error) { return "", nil }
func (s *fakeSink) Close() error                                        { return nil }

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func testRunner(sink Sink, limit time.Duration) (*Runner, *syncBuffer) {
	logs := &syncBuffer{}
	r := &Runner{Sink: sink, Stats: NewStats(),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	r.initOutages(limit)
	return r, logs
}

// testBatch has n records with keys k0..k(n-1); those at bad carry the
// field "bad", one checkpoint and an offset.
func testBatch(n int, bad ...int) Batch {
	b := Batch{Offsets: map[TopicPartition]int64{{Topic: "t", Partition: 0}: int64(n)},
		Checkpoints: []PartitionCheckpoint{{Checkpoint: Checkpoint{Tenant: "a", Source: "s", Object: "deal", Seq: 1, Cursor: "c"}}},
		Quarantine:  []Quarantined{{Tenant: "a", Source: "s", Object: "deal", Stage: "validate", Rule: "type"}}}
	for i := range n {
		rec := Record{Tenant: "a", Source: "s", Object: "deal", Key: fmt.Sprintf("k%d", i), Op: OpUpsert,
			Fields: map[string]any{}, Position: Position{Topic: "t", Offset: int64(i)}}
		if slices.Contains(bad, i) {
			rec.Fields["bad"] = "x"
		}
		b.Records = append(b.Records, rec)
	}
	return b
}

func keys(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Key)
	}
	return out
}

func TestWriteIsolatesRecordsTheSinkRejects(t *testing.T) {
	dataErr := &FieldError{Field: "name", Rule: "sql_22021", Kind: ErrInvalid}
	otherErr := errors.New("index row too big") // record-caused, not a data error
	for _, tc := range []struct {
		name   string
		n      int
		bad    []int
		reject error
		rule   string
		field  string
	}{
		{"none", 10, nil, dataErr, "", ""},
		{"first", 10, []int{0}, dataErr, "sql_22021", "name"},
		{"middle", 10, []int{5}, dataErr, "sql_22021", "name"},
		{"first and last", 10, []int{0, 9}, dataErr, "sql_22021", "name"},
		{"every record", 3, []int{0, 1, 2}, dataErr, "sql_22021", "name"},
		{"single record", 1, []int{0}, dataErr, "sql_22021", "name"},
		{"non-data error an empty batch does not provoke", 7, []int{3}, otherErr, "sink_error", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &fakeSink{reject: tc.reject}
			r, _ := testRunner(sink, time.Minute)
			b := testBatch(tc.n, tc.bad...)
			want := testBatch(tc.n, tc.bad...)
			if err := r.write(context.Background(), &b); err != nil {
				t.Fatalf("write: %v", err)
			}
			var committed []Record
			var withOffsets []Batch
			for _, w := range sink.writes {
				committed = append(committed, w.Records...)
				if len(w.Offsets) > 0 || len(w.Checkpoints) > 0 || len(w.Quarantine) > 0 {
					withOffsets = append(withOffsets, w)
				}
			}
			var wantKeys []string
			for i, rec := range want.Records {
				if !slices.Contains(tc.bad, i) {
					wantKeys = append(wantKeys, rec.Key)
				}
			}
			if got := keys(committed); !slices.Equal(got, wantKeys) {
				t.Errorf("committed records %v, want %v (in order)", got, wantKeys)
			}
			if got := keys(b.Records); !slices.Equal(got, wantKeys) {
				t.Errorf("b.Records after write = %v, want %v", got, wantKeys)
			}
			if len(withOffsets) != 1 || sink.writes[len(sink.writes)-1].Offsets == nil {
				t.Fatalf("%d commits carry offsets, checkpoints or quarantine rows, want exactly one, the last", len(withOffsets))
			}
			last := withOffsets[0]
			if len(last.Checkpoints) != 1 {
				t.Errorf("last commit has %d checkpoints, want 1", len(last.Checkpoints))
			}
			if got, want := len(last.Quarantine), 1+len(tc.bad); got != want {
				t.Fatalf("last commit has %d quarantine rows, want %d", got, want)
			}
			for i, q := range last.Quarantine[1:] {
				if q.Stage != "sink" || q.Rule != tc.rule || q.Field != tc.field || q.Position.Offset != int64(tc.bad[i]) {
					t.Errorf("quarantine row %d = %+v, want stage sink, rule %s, field %q, offset %d", i, q, tc.rule, tc.field, tc.bad[i])
				}
			}
			if got := r.Stats.Stream(Stream{"a", "s", "deal"}).Quarantined.Load(); got != int64(len(tc.bad)) {
				t.Errorf("stats count %d quarantined, want %d", got, len(tc.bad))
			}
		})
	}
}

func TestWriteNeverRetriesDataErrors(t *testing.T) {
	sink := &fakeSink{reject: &FieldError{Rule: "sql_22003", Kind: ErrInvalid}}
	r, logs := testRunner(sink, time.Minute)
	b := testBatch(1, 0)
	if err := r.write(context.Background(), &b); err != nil {
		t.Fatalf("write: %v", err)
	}
	// The failed batch, then the quarantine row with offsets.
	if sink.calls != 2 {
		t.Errorf("%d calls of Sink.Write, want 2", sink.calls)
	}
	if strings.Contains(logs.String(), "unreachable") {
		t.Errorf("a data error was treated as an outage:\n%s", logs)
	}
}

func TestWriteRidesOutTransientFailures(t *testing.T) {
	sink := &fakeSink{transient: 3}
	r, logs := testRunner(sink, time.Minute)
	b := testBatch(4)
	if err := r.write(context.Background(), &b); err != nil {
		t.Fatalf("write: %v", err)
	}
	if len(sink.writes) != 1 || len(sink.writes[0].Records) != 4 {
		t.Fatalf("committed %d batches, want the whole batch once", len(sink.writes))
	}
	out := logs.String()
	if n := strings.Count(out, "warehouse unreachable"); n != 1 {
		t.Errorf("%d outage start lines, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "warehouse reachable again"); n != 1 || !strings.Contains(out, "duration=") {
		t.Errorf("%d outage end lines with a duration, want 1:\n%s", n, out)
	}
}

func TestWriteTreatsAFailingEmptyBatchAsAnOutage(t *testing.T) {
	sink := &fakeSink{down: errors.New("permission denied for table deal_facts")}
	r, logs := testRunner(sink, 300*time.Millisecond)
	b := testBatch(4, 1)
	err := r.write(context.Background(), &b)
	var oe *OutageError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "warehouse unreachable for 0s; giving up: ") {
		t.Fatalf("write = %v, want an *OutageError", err)
	}
	if len(b.Quarantine) != 1 || len(b.Records) != 4 {
		t.Errorf("the batch was split or quarantined (%d records, %d quarantine rows)", len(b.Records), len(b.Quarantine))
	}
	if n := strings.Count(logs.String(), "warehouse unreachable"); n != 1 {
		t.Errorf("%d outage start lines, want 1:\n%s", n, logs)
	}
}

func TestRetryStopsWhenHalted(t *testing.T) {
	sink := &fakeSink{down: fmt.Errorf("refused: %w", ErrTransient)}
	r, _ := testRunner(sink, 0) // as in Run: no limit
	halt := make(chan struct{})
	r.out.halt = halt
	done := make(chan error, 1)
	go func() {
		b := testBatch(2)
		done <- r.write(context.Background(), &b)
	}()
	close(halt)
	if err := <-done; err == nil || !errors.Is(err, ErrTransient) {
		t.Fatalf("write after halt = %v, want the last transient failure", err)
	}
}

func TestOutageIsLoggedOnceForConcurrentCallers(t *testing.T) {
	sink := &fakeSink{down: fmt.Errorf("refused: %w", ErrTransient)}
	r, logs := testRunner(sink, time.Minute)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			b := testBatch(2)
			if err := r.write(context.Background(), &b); err != nil {
				t.Errorf("write: %v", err)
			}
		})
	}
	// Every caller fails before the warehouse comes back.
	for {
		sink.mu.Lock()
		calls := sink.calls
		if calls >= 4 {
			sink.down = nil
		}
		sink.mu.Unlock()
		if calls >= 4 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	out := logs.String()
	if strings.Count(out, "warehouse unreachable") != 1 || strings.Count(out, "reachable again") != 1 {
		t.Errorf("want one start and one end line for one outage:\n%s", out)
	}
	if len(sink.writes) != 4 {
		t.Errorf("%d batches committed, want 4", len(sink.writes))
	}
}

// flakyLog fails Publish with a transient error down times, then
// records what it published.
type flakyLog struct {
	Log
	down      int
	published int
}

func (l *flakyLog) Publish(_ context.Context, _ string, msgs []Message) error {
	if l.down > 0 {
		l.down--
		return fmt.Errorf("broker restarting: %w", ErrTransient)
	}
	l.published += len(msgs)
	return nil
}

func TestPublishRidesOutABrokerRestart(t *testing.T) {
	l := &flakyLog{down: 2}
	r, logs := testRunner(&fakeSink{}, time.Minute)
	r.Log = l
	if err := r.publish(context.Background(), "t", make([]Message, 3)); err != nil {
		t.Fatalf("publish: %v", err)
	}
	if l.published != 3 {
		t.Errorf("published %d messages, want 3", l.published)
	}
	out := logs.String()
	if strings.Count(out, "kafka unreachable") != 1 || strings.Count(out, "kafka reachable again") != 1 {
		t.Errorf("want one start and one end line:\n%s", out)
	}
}
