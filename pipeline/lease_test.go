package pipeline

import (
	"context"
	"errors"
	"log/slog"
	"testing"
)

// fakeLeaser holds the leases in held, each with its token.
type fakeLeaser struct {
	held     map[string]int64
	lost     chan struct{}
	released int
}

func (f *fakeLeaser) Wait(ctx context.Context, _, _ string) error { return ctx.Err() }

func (f *fakeLeaser) Hold(tenant, name string) (Lease, bool) {
	tok, ok := f.held[tenant+"/"+name]
	if !ok {
		return Lease{}, false
	}
	return Lease{Token: tok, Lost: f.lost, Release: func() { f.released++ }}, true
}

func (f *fakeLeaser) Take(_ context.Context, tenant, name string) (Lease, error) {
	l, ok := f.Hold(tenant, name)
	if !ok {
		return Lease{}, errors.New("not granted")
	}
	return l, nil
}

func TestHoldLease(t *testing.T) {
	tests := []struct {
		name      string
		held      map[string]int64
		take      bool
		wantErr   bool
		wantToken int64
	}{
		{name: "held", held: map[string]int64{"acme/crm": 7}, wantToken: 7},
		{name: "held elsewhere", held: map[string]int64{}, wantErr: true},
		{name: "taken", held: map[string]int64{"acme/crm": 9}, take: true, wantToken: 9},
		{name: "not granted", held: map[string]int64{}, take: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLeaser{held: tt.held, lost: make(chan struct{})}
			r := &Runner{Leases: f, Logger: slog.New(slog.DiscardHandler)}
			ctx, done, err := r.holdLease(context.Background(), bindingID{"acme", "crm"}, tt.take)
			if (err != nil) != tt.wantErr {
				t.Fatalf("holdLease() error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := leaseToken(ctx); got != tt.wantToken {
				t.Errorf("token in ctx = %d, want %d", got, tt.wantToken)
			}
			close(f.lost)
			<-ctx.Done() // a lost lease cancels the pass
			done()
			if f.released != 1 {
				t.Errorf("released %d times, want 1", f.released)
			}
		})
	}
}

// TestCheckpointsCarryTheLeaseToken: the emitter of a leased pass stamps
// every checkpoint with the lease's token, which the sink fences on.
func TestCheckpointsCarryTheLeaseToken(t *testing.T) {
	r := &Runner{Leases: &fakeLeaser{held: map[string]int64{"acme/crm": 42}, lost: make(chan struct{})},
		Logger: slog.New(slog.DiscardHandler), Stats: NewStats()}
	l := &memLog{}
	r.Log = l
	ctx, done, err := r.holdLease(context.Background(), bindingID{"acme", "crm"}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	em := r.newEmitter(ctx, Stream{"acme", "crm", "deal"}, topic{name: "t", partitions: 2})
	if err := em.Emit(ctx, []Record{deal("1", map[string]any{"amount": 1.0})}, "cursor-1"); err != nil {
		t.Fatal(err)
	}
	if err := em.close(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range l.msgs {
		if _, cp, err := Decode(m); err == nil && cp != nil {
			n++
			if cp.Lease != 42 {
				t.Errorf("checkpoint lease = %d, want 42", cp.Lease)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d checkpoints published, want one per partition (2)", n)
	}
}
