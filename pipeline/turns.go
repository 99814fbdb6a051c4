package pipeline

import (
	"context"
	"errors"
	"sync"
)

// bindingID names a binding: tenant and connector instance name.
type bindingID struct{ tenant, name string }

// ErrNotRunning is Reconcile's error outside Run and ReconcileOnce (for
// example a schedule that fires before Run has started its consumer).
var ErrNotRunning = errors.New("reconcile: the runner has no running consumer (call it during Run or use ReconcileOnce)")

// live is the consumer of a running Run or ReconcileOnce, which a
// Reconcile needs to wait until a binding's records are committed. Its
// ctx ends when the run does, and wg counts the reconciles using it.
type live struct {
	ctx  context.Context
	cons *consumer
	wg   sync.WaitGroup
}

// acquire takes a binding's turn: a sync pass with its drain, or a
// reconcile, holds it, so the two never overlap. It returns ctx.Err()
// when ctx ends first.
func (r *Runner) acquire(ctx context.Context, b bindingID) error {
	select {
	case r.turns[b] <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Runner) release(b bindingID) { <-r.turns[b] }

// setLive publishes the consumer of a run for Reconcile.
func (r *Runner) setLive(ctx context.Context, cons *consumer) *live {
	l := &live{ctx: ctx, cons: cons}
	r.mu.Lock()
	r.live = l
	r.mu.Unlock()
	return l
}

// endLive lets no new reconcile start and waits for the running ones,
// which l.ctx's end cancels.
func (r *Runner) endLive(l *live) {
	r.mu.Lock()
	if r.live == l {
		r.live = nil
	}
	r.mu.Unlock()
	l.wg.Wait()
}

// joinLive returns the running consumer, counted in its wait group.
func (r *Runner) joinLive() (*live, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live == nil {
		return nil, ErrNotRunning
	}
	r.live.wg.Add(1)
	return r.live, nil
}

// binding returns the binding of a tenant and connector name.
func (r *Runner) binding(tenant, name string) (Binding, bool) {
	for _, b := range r.Bindings {
		if b.Tenant == tenant && b.Name == name {
			return b, true
		}
	}
	return Binding{}, false
}
