package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"
)

// begin prepares the runner and reads the suppression list, closing the
// sources again when that fails.
func (r *Runner) begin(ctx context.Context) error {
	if err := r.prepare(ctx); err != nil {
		return err
	}
	if err := r.refreshSuppressions(ctx); err != nil {
		r.closeSources()
		return fmt.Errorf("reading suppressions: %w", err)
	}
	return nil
}

// prepare checks the runner's fields, opens every source and ensures the
// raw topic of every stream.
func (r *Runner) prepare(ctx context.Context) error {
	if r.Log == nil || r.Sink == nil {
		return errors.New("runner: Log and Sink are required")
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Stats == nil {
		r.Stats = NewStats()
	}
	if r.Partitions < 1 {
		r.Partitions = 1
	}
	if r.Interval <= 0 {
		r.Interval = 5 * time.Minute
	}
	r.commits = make(chan struct{}, 1)
	r.initOutages(0)
	r.topics = map[Stream]topic{}
	r.sources = map[Stream]Source{}
	r.byTopic = map[string]Stream{}
	r.inflight = map[string]*atomic.Int64{}
	r.turns = map[bindingID]chan struct{}{}
	for i, b := range r.Bindings {
		r.turns[bindingID{b.Tenant, b.Name}] = make(chan struct{}, 1)
		if err := b.Source.Open(ctx); err != nil {
			r.closeSources(r.Bindings[:i]...)
			return fmt.Errorf("opening %s/%s: %w", b.Tenant, b.Name, err)
		}
		for _, obj := range b.Source.Objects() {
			s := Stream{b.Tenant, b.Name, obj}
			name := TopicName(r.TopicPrefix, s)
			n, err := r.Log.EnsureTopic(ctx, TopicSpec{Name: name, Partitions: r.Partitions, Retention: r.Retention})
			if err != nil {
				r.closeSources(r.Bindings[:i+1]...)
				return fmt.Errorf("ensuring topic %s: %w", name, err)
			}
			r.topics[s] = topic{name: name, partitions: n}
			r.sources[s] = b.Source
			r.byTopic[name] = s
			r.inflight[name] = new(atomic.Int64)
		}
	}
	return nil
}

func (r *Runner) closeSources(bs ...Binding) {
	if bs == nil {
		bs = r.Bindings
	}
	for _, b := range bs {
		if err := b.Source.Close(); err != nil {
			r.Logger.Warn("closing source", "tenant", b.Tenant, "connector", b.Name, "error", err)
		}
	}
}

func (r *Runner) topicNames() []string {
	names := make([]string, 0, len(r.byTopic))
	for n := range r.byTopic {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (r *Runner) bindingTopics(b Binding) []string {
	var names []string
	for _, obj := range b.Source.Objects() {
		names = append(names, r.topics[Stream{b.Tenant, b.Name, obj}].name)
	}
	return names
}
