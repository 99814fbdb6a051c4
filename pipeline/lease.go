package pipeline

import (
	"context"
	"errors"
)

// Lease is a connector lease this process holds (see Leaser).
type Lease struct {
	// Token is the lease's fencing token: every checkpoint the binding's
	// pass publishes carries it, and the sink stores a checkpoint only
	// while it is the lease's current token.
	Token int64
	// Lost is closed when the lease is lost (expired, taken over) or
	// handed over; the pass holding it is cancelled.
	Lost <-chan struct{}
	// Handover, when not nil, is closed when the lease is to move to
	// another process after this hold: the pass then waits until the
	// warehouse has committed its checkpoints before it releases the
	// lease, so that the next holder resumes from them.
	Handover <-chan struct{}
	// Release ends this hold: the lease stays with the process, but a
	// rebalance or a reconcile elsewhere may now hand it over.
	Release func()
}

// Leaser spreads bindings over several processes: each binding is pulled
// by the one process holding its lease (warehouse/lease implements it on
// PostgreSQL). Nil Runner.Leases means this process pulls every binding.
type Leaser interface {
	// Wait blocks until this process holds the binding's lease, or ctx
	// ends (it returns ctx.Err()).
	Wait(ctx context.Context, tenant, name string) error
	// Hold returns the binding's lease if this process holds it and may
	// keep it; ok is false otherwise. The lease is not handed over before
	// Release.
	Hold(tenant, name string) (l Lease, ok bool)
	// Take is Hold for a run that must cover the binding (RunOnce,
	// Reconcile): when another process holds the lease, it asks for it
	// and waits (until ctx ends) for the holder to hand it over.
	Take(ctx context.Context, tenant, name string) (Lease, error)
}

// errNotLeased means another process holds the binding's lease.
var errNotLeased = errors.New("the connector's lease is held by another process")

type leaseKey struct{}

type handoverKey struct{}

// holdLease takes the binding's lease for a turn: Hold for Run's passes
// (take is false), Take otherwise. The returned ctx carries the token
// to the emitters and ends when the lease is lost; done releases it.
// Without a Leaser it returns ctx as is.
func (r *Runner) holdLease(ctx context.Context, b bindingID, take bool) (context.Context, func(), error) {
	if r.Leases == nil {
		return ctx, func() {}, nil
	}
	var l Lease
	if take {
		var err error
		if l, err = r.Leases.Take(ctx, b.tenant, b.name); err != nil {
			return ctx, nil, err
		}
	} else {
		var ok bool
		if l, ok = r.Leases.Hold(b.tenant, b.name); !ok {
			return ctx, nil, errNotLeased
		}
	}
	ctx = context.WithValue(context.WithValue(ctx, leaseKey{}, l.Token), handoverKey{}, l.Handover)
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-l.Lost:
			r.Logger.Warn("connector lease lost; its pass stops", "tenant", b.tenant, "connector", b.name)
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(); l.Release() }, nil
}

// leaseToken returns the lease token ctx carries, 0 if none.
func leaseToken(ctx context.Context) int64 {
	t, _ := ctx.Value(leaseKey{}).(int64)
	return t
}

// leasedPass is RunOnce's pass of a binding, under its lease.
func (r *Runner) leasedPass(ctx context.Context, b Binding) error {
	ctx, done, err := r.holdLease(ctx, bindingID{b.Tenant, b.Name}, true)
	if err != nil {
		for _, obj := range b.Source.Objects() {
			r.outcomes.set(Stream{b.Tenant, b.Name, obj}, outcome{err: err})
		}
		return err
	}
	defer done()
	return r.pass(ctx, b)
}

// handingOver reports whether the lease ctx carries is to move to
// another process.
func handingOver(ctx context.Context) bool {
	ch, _ := ctx.Value(handoverKey{}).(<-chan struct{})
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
