package status

import (
	"context"
	"slices"
	"sort"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse/quarantine"
	"github.com/tally-dev/tally/warehouse/syncruns"
)

// streams fills one Stream per configured stream (and per recorded
// stream no longer configured) with its last pass, lag and next pass.
func (b *builder) streams(ctx context.Context, tenant string) {
	byStream := map[pipeline.Stream]*Stream{}
	add := func(s pipeline.Stream) *Stream {
		if st, ok := byStream[s]; ok {
			return st
		}
		st := &Stream{Tenant: s.Tenant, Connector: s.Source, Object: s.Object}
		byStream[s] = st
		return st
	}
	for _, s := range b.src.Streams {
		if tenant == "" || s.Tenant == tenant {
			add(s)
		}
	}
	runs, err := syncruns.Latest(ctx, b.src.Warehouse, tenant)
	if err != nil {
		b.unavailable("sync_runs", err)
	}
	for _, r := range runs {
		st := add(r.Stream())
		st.LastPass = &r
		switch r.Result {
		case pipeline.ResultStopped, pipeline.ResultOutage:
			st.Stuck, st.Reason = true, r.Result
			if r.ErrorKind != "" {
				st.Reason += ": " + r.ErrorKind
			}
		}
		st.Halted = r.ErrorKind == "config"
		if b.src.Scheduled && b.src.Interval > 0 && !st.Halted {
			next := r.Ended.Add(b.src.Interval)
			st.NextPass = &next
		}
	}
	keys := make([]pipeline.Stream, 0, len(byStream))
	for s := range byStream {
		keys = append(keys, s)
	}
	sort.Slice(keys, func(i, j int) bool { return less(keys[i], keys[j]) })
	for _, s := range keys {
		b.st.Streams = append(b.st.Streams, *byStream[s])
	}
	b.lag(ctx, keys)
}

func less(a, b pipeline.Stream) bool {
	if a.Tenant != b.Tenant {
		return a.Tenant < b.Tenant
	}
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	return a.Object < b.Object
}

// lag sets each stream's consumer lag: end offsets of its raw topic
// minus the offsets stored with the warehouse's commits.
func (b *builder) lag(ctx context.Context, keys []pipeline.Stream) {
	if b.src.EndOffsets == nil || len(keys) == 0 {
		return
	}
	topics := make([]string, len(keys))
	for i, s := range keys {
		topics[i] = pipeline.TopicName(b.src.TopicPrefix, s)
	}
	ends, err := b.src.EndOffsets(ctx, topics)
	if err != nil {
		b.unavailable("kafka", err)
		return
	}
	stored, err := b.src.Warehouse.Offsets(ctx, topics)
	if err != nil {
		b.unavailable("warehouse", err)
		return
	}
	lags := map[string]int64{}
	seen := map[string]bool{}
	for tp, end := range ends {
		lags[tp.Topic] += max(end-stored[tp], 0)
		seen[tp.Topic] = true
	}
	for i, t := range topics {
		if seen[t] {
			v := lags[t]
			b.st.Streams[i].Lag = &v
		}
	}
}

// live adds what only a run in this process knows: outages, personal
// values kept, and streams stuck in an outage right now.
func (b *builder) live() {
	if b.src.Runner != nil {
		b.st.Outages = append(b.st.Outages, b.src.Runner.Outages()...)
		for i := range b.st.Streams {
			if len(b.st.Outages) > 0 {
				b.st.Streams[i].Stuck, b.st.Streams[i].Reason = true, "outage: "+b.st.Outages[0]
			}
		}
	}
	if b.src.Stats != nil {
		var kept int64
		for _, c := range b.src.Stats.Snapshot() {
			if b.st.Tenant == "" || c.Tenant == b.st.Tenant {
				kept += c.PersonalKept
			}
		}
		b.st.PersonalKept = &kept
	}
}

// quarantine fills the retained quarantine by stream, field and rule.
func (b *builder) quarantine(ctx context.Context, tenant string) {
	groups, _, err := quarantine.Stats(ctx, b.src.Warehouse, quarantine.Filter{Tenant: tenant})
	if err != nil {
		b.unavailable("quarantine", err)
		return
	}
	for _, g := range groups {
		b.st.Quarantine = append(b.st.Quarantine, RuleCount{Tenant: g.Tenant, Connector: g.Connector, Object: g.Object,
			Stage: g.Stage, Field: g.Field, Rule: g.Rule, Count: g.Count})
		i := slices.IndexFunc(b.st.Streams, func(s Stream) bool {
			return s.Tenant == g.Tenant && s.Connector == g.Connector && s.Object == g.Object
		})
		if i >= 0 {
			b.st.Streams[i].Quarantined += g.Count
		}
	}
}

// purge fills the newest purge run.
func (b *builder) purge(ctx context.Context) {
	runs, err := b.src.Warehouse.PurgeHistory(ctx, 1)
	if err != nil {
		b.unavailable("purge_runs", err)
		return
	}
	if len(runs) == 0 {
		return
	}
	r := runs[0]
	p := &Purge{ID: r.ID, Started: r.Started.UTC(), Finished: r.Finished.UTC(), Status: r.Status, Verified: r.Verified}
	for _, t := range r.Tables {
		p.Removed += t.Removed()
	}
	b.st.LastPurge = p
}

// terminations fills the pending tenant terminations.
func (b *builder) terminations(ctx context.Context, tenant string) {
	ts, err := b.src.Warehouse.Terminations(ctx)
	if err != nil {
		b.unavailable("terminations", err)
		return
	}
	for _, t := range ts {
		if t.Pending() && (tenant == "" || t.Tenant == tenant) {
			b.st.Terminations = append(b.st.Terminations, Termination{Tenant: t.Tenant, Requested: t.Requested.UTC(),
				PurgeAfter: t.PurgeAfter.UTC()})
		}
	}
}

// receipts fills each configured tenant's receipt chain head and whether
// it verifies (unknown without Subjects).
func (b *builder) receipts(ctx context.Context, tenant string) {
	if b.src.Subjects == nil {
		if len(b.src.Tenants) > 0 {
			b.unavailable("receipts", errNoKey)
		}
		return
	}
	for _, t := range b.src.Tenants {
		if tenant != "" && t != tenant {
			continue
		}
		rep, err := b.src.Subjects.VerifyReceipts(ctx, t)
		if err != nil {
			b.unavailable("receipts", err)
			continue
		}
		ok := rep.OK()
		b.st.Erasures = append(b.st.Erasures, ReceiptChain{Tenant: t, Receipts: rep.Receipts, Head: rep.Head, Verified: &ok})
	}
}
