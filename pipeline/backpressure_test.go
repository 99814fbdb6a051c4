package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// cursorSink is a Sink whose stored cursor the test sets; every Cursor
// call is signalled on calls.
type cursorSink struct {
	Sink
	mu     sync.Mutex
	cursor string
	calls  chan struct{}
}

func (s *cursorSink) Cursor(context.Context, Stream, int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case s.calls <- struct{}{}:
	default:
	}
	return s.cursor, nil
}

func (s *cursorSink) store(c string) {
	s.mu.Lock()
	s.cursor = c
	s.mu.Unlock()
}

// emitAsync runs Emit in a goroutine and returns its result channel.
func emitAsync(ctx context.Context, em *emitter, cursor string) <-chan error {
	done := make(chan error, 1)
	go func() { done <- em.Emit(ctx, []Record{deal("1", nil)}, cursor) }()
	return done
}

// blocked asserts that Emit is waiting for room: it has read the stored
// cursor (which cannot satisfy it) and not returned.
func blocked(t *testing.T, sink *cursorSink, done <-chan error) {
	t.Helper()
	<-sink.calls
	select {
	case <-sink.calls: // a stale signal of the previous wait: take a fresh one
		<-sink.calls
	default:
	}
	select {
	case err := <-done:
		t.Fatalf("Emit() = %v while earlier pages were uncommitted, want it to wait", err)
	default:
	}
}

// TestEmitterBackPressure: with Ahead 2, a third checkpointed page waits
// until the first is committed; pages without a cursor never wait; a
// commit of a later page frees every page before it; ctx's cancellation
// ends the wait.
func TestEmitterBackPressure(t *testing.T) {
	sink := &cursorSink{calls: make(chan struct{}, 1)}
	l := &memLog{}
	r := &Runner{Log: l, Sink: sink, Ahead: 2, Stats: NewStats(), Logger: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	em := r.newEmitter(ctx, Stream{"acme", "crm", "deal"}, topic{name: "t", partitions: 2})
	for _, c := range []string{"c1", "c2", ""} {
		if err := em.Emit(ctx, []Record{deal("1", nil)}, c); err != nil {
			t.Fatalf("Emit(cursor %q) = %v, want no wait", c, err)
		}
	}

	done := emitAsync(ctx, em, "c3")
	blocked(t, sink, done)
	sink.store("c1") // page 1's checkpoint committed on every partition
	r.cpBell.ring()
	if err := <-done; err != nil {
		t.Fatalf("Emit(c3) after c1 committed = %v", err)
	}

	done = emitAsync(ctx, em, "c4") // c2, c3 pending
	blocked(t, sink, done)
	sink.store("c3")
	r.cpBell.ring()
	if err := <-done; err != nil {
		t.Fatalf("Emit(c4) after c3 committed = %v", err)
	}
	if err := em.Emit(ctx, []Record{deal("1", nil)}, "c5"); err != nil {
		t.Fatalf("Emit(c5) with only c4 pending = %v, want no wait", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	done = emitAsync(cctx, em, "c6") // c4, c5 pending
	blocked(t, sink, done)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Emit(c6) after cancel = %v, want context.Canceled", err)
	}
	if err := em.close(); err != nil {
		t.Fatalf("close() = %v", err)
	}
	var cps int
	for _, m := range l.msgs {
		if _, cp, err := Decode(m); err == nil && cp != nil {
			cps++
		}
	}
	if want := 5 * 2; cps != want { // c1–c5 on 2 partitions; c6 never queued
		t.Errorf("published %d checkpoints, want %d", cps, want)
	}
}

// TestEmitterBackPressureStopsWithConsumer: when the consumer stops,
// nobody will commit, so the emitter stops waiting instead of hanging.
func TestEmitterBackPressureStopsWithConsumer(t *testing.T) {
	sink := &cursorSink{calls: make(chan struct{}, 1)}
	r := &Runner{Log: &memLog{}, Sink: sink, Ahead: 1, Stats: NewStats(), Logger: slog.New(slog.DiscardHandler)}
	halt := make(chan struct{})
	r.out.halt = halt
	ctx := context.Background()
	em := r.newEmitter(ctx, Stream{"acme", "crm", "deal"}, topic{name: "t", partitions: 1})
	if err := em.Emit(ctx, []Record{deal("1", nil)}, "c1"); err != nil {
		t.Fatalf("Emit(c1) = %v", err)
	}
	done := emitAsync(ctx, em, "c2")
	blocked(t, sink, done)
	close(halt)
	if err := <-done; err != nil {
		t.Fatalf("Emit(c2) after the consumer stopped = %v", err)
	}
	if err := em.close(); err != nil {
		t.Fatalf("close() = %v", err)
	}
}

// TestEmitterUnstorableCursorNeverWaits: a cursor the warehouse would
// refuse (a NUL from a hostile CRM) is published without a checkpoint,
// so back-pressure never waits for a checkpoint that cannot commit and
// the pages still flow.
func TestEmitterUnstorableCursorNeverWaits(t *testing.T) {
	sink := &cursorSink{calls: make(chan struct{}, 1)}
	l := &memLog{}
	r := &Runner{Log: l, Sink: sink, Ahead: 1, Stats: NewStats(), Logger: slog.New(slog.DiscardHandler)}
	ctx := context.Background()
	em := r.newEmitter(ctx, Stream{"acme", "crm", "deal"}, topic{name: "t", partitions: 1})
	for i, c := range []string{"a\x00", "b\x00", "\xff", strings.Repeat("x", maxCursorBytes+1)} {
		if err := em.Emit(ctx, []Record{deal(fmt.Sprint(i), nil)}, c); err != nil {
			t.Fatalf("Emit(unstorable cursor %d) = %v, want no wait", i, err)
		}
	}
	if err := em.close(); err != nil {
		t.Fatalf("close() = %v", err)
	}
	recs, cps := 0, 0
	for _, m := range l.msgs {
		rec, cp, err := Decode(m)
		switch {
		case err == nil && cp != nil:
			cps++
		case err == nil && rec != nil:
			recs++
		}
	}
	if recs != 4 || cps != 0 {
		t.Errorf("published %d records and %d checkpoints, want 4 and 0", recs, cps)
	}
}
