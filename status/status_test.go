package status_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/status"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/syncruns"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestBuild: lag is end offset minus stored offset per stream, the next
// pass follows the last end by the interval (none for a halted stream),
// a stopped stream is stuck, a pending termination is listed, and a
// part that cannot be read is named.
func TestBuild(t *testing.T) {
	ctx := context.Background()
	w := warehousetest.OpenSQLite(t, warehouse.Config{})
	deals := pipeline.Stream{Tenant: "acme", Source: "hubspot", Object: "deal"}
	leads := pipeline.Stream{Tenant: "acme", Source: "hubspot", Object: "lead"}
	never := pipeline.Stream{Tenant: "acme", Source: "hubspot", Object: "user"}
	topic := func(s pipeline.Stream) string { return pipeline.TopicName("tally", s) }
	if err := w.Write(ctx, pipeline.Batch{Offsets: map[pipeline.TopicPartition]int64{
		{Topic: topic(deals), Partition: 0}: 7, {Topic: topic(deals), Partition: 1}: 3}}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := syncruns.Record(ctx, w, pipeline.PassReport{Started: t0, Ended: t0.Add(time.Minute), Streams: []pipeline.StreamReport{
		{Stream: deals, Pulled: 10, Written: 10},
		{Stream: leads, Err: fmt.Errorf("401: %w", pipeline.ErrConfig)},
	}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.TerminateTenant(ctx, "globex", 24*time.Hour); err != nil {
		t.Fatal(err)
	}
	ends := func(_ context.Context, topics []string) (map[pipeline.TopicPartition]int64, error) {
		return map[pipeline.TopicPartition]int64{{Topic: topic(deals), Partition: 0}: 10, {Topic: topic(deals), Partition: 1}: 3,
			{Topic: topic(leads), Partition: 0}: 4}, nil
	}
	st := status.Build(ctx, status.Sources{Warehouse: w, EndOffsets: ends, TopicPrefix: "tally", Streams: []pipeline.Stream{never, deals},
		Tenants: []string{"acme"}, Interval: 5 * time.Minute, Live: true, Scheduled: true}, "")

	if len(st.Streams) != 3 {
		t.Fatalf("streams = %+v, want deal, lead, user", st.Streams)
	}
	d, l, u := st.Streams[0], st.Streams[1], st.Streams[2]
	if d.Object != "deal" || *d.Lag != 3 || d.Stuck || d.NextPass == nil || !d.NextPass.Equal(t0.Add(6*time.Minute)) || d.LastPass.Written != 10 {
		t.Errorf("deal = %+v, want lag 3, not stuck, next pass at end+5m, 10 written", d)
	}
	if l.Object != "lead" || *l.Lag != 4 || !l.Stuck || !l.Halted || l.NextPass != nil || l.Reason != "stopped: config" {
		t.Errorf("lead = %+v, want lag 4, stuck and halted on config, no next pass", l)
	}
	if u.Object != "user" || u.LastPass != nil || u.Lag != nil || u.NextPass != nil {
		t.Errorf("user = %+v, want no pass, unknown lag and next pass", u)
	}
	if len(st.Terminations) != 1 || st.Terminations[0].Tenant != "globex" {
		t.Errorf("terminations = %+v, want globex pending", st.Terminations)
	}
	if !slices.Equal(st.Unavailable, []string{"receipts"}) || st.LastPurge != nil {
		t.Errorf("unavailable %v, last purge %v; want receipts (no key) and none", st.Unavailable, st.LastPurge)
	}
	if only := status.Build(ctx, status.Sources{Warehouse: w}, "globex"); len(only.Streams) != 0 || len(only.Terminations) != 1 {
		t.Errorf("status of globex = %d streams, %d terminations; want 0 and 1", len(only.Streams), len(only.Terminations))
	}
}
