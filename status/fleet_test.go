package status_test

import (
	"context"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/status"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/lease"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestBuildFleet: two processes share a PostgreSQL warehouse; each
// records its partitions of one generation. The status lists both with
// their leases (two each), each stream's lease holder and the process
// consuming each partition; the serving process is marked Self and its
// in-memory assignment wins over its heartbeat row; a tenant filter
// keeps that tenant's leases and topics only. A stopped process
// disappears.
func TestBuildFleet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w := warehousetest.OpenPostgres(t, warehouse.Config{})
	bs := []lease.Binding{{Tenant: "acme", Connector: "hubspot"}, {Tenant: "acme", Connector: "pipedrive"},
		{Tenant: "globex", Connector: "hubspot"}, {Tenant: "globex", Connector: "pipedrive"}}
	var streams []pipeline.Stream
	for _, b := range bs {
		streams = append(streams, pipeline.Stream{Tenant: b.Tenant, Source: b.Connector, Object: "deal"})
	}
	topic := func(i int) string { return pipeline.TopicName("tally", streams[i]) }
	o := lease.Options{TTL: 3 * time.Second}
	a, b := lease.New(w, bs, o), lease.New(w, bs, o)
	for _, m := range []*lease.Manager{a, b} {
		if err := m.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
	}
	// a reads partitions 0 and 1 of every topic, b partition 2.
	var pa, pb []pipeline.TopicPartition
	for i := range streams {
		pa = append(pa, pipeline.TopicPartition{Topic: topic(i), Partition: 1}, pipeline.TopicPartition{Topic: topic(i), Partition: 0})
		pb = append(pb, pipeline.TopicPartition{Topic: topic(i), Partition: 2})
	}
	a.SetPartitions(7, pa, true)
	b.SetPartitions(7, nil, false) // between generations first
	b.SetPartitions(7, pb, true)

	src := status.Sources{Warehouse: w, TopicPrefix: "tally", Streams: streams, LeaseTTL: o.TTL}
	var st status.Status
	deadline := time.Now().Add(30 * time.Second)
	for {
		st = status.Build(ctx, src, "")
		ok := len(st.Processes) == 2 && len(st.Leases) == 4
		for _, p := range st.Processes {
			ok = ok && len(p.Leases) == 2 && len(p.Partitions) == 4 && p.Generation != nil && *p.Generation == 7
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed two processes with two leases and their partitions: %+v", st.Processes)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(st.Unavailable) != 0 {
		t.Errorf("unavailable: %v", st.Unavailable)
	}
	for _, s := range st.Streams {
		if s.LeaseHolder != a.Holder() && s.LeaseHolder != b.Holder() {
			t.Errorf("stream %+v: lease holder %q is neither process", s, s.LeaseHolder)
		}
		want := []status.Consumer{{Partition: 0, Holder: a.Holder()}, {Partition: 1, Holder: a.Holder()}, {Partition: 2, Holder: b.Holder()}}
		if len(s.Consumers) != 3 || s.Consumers[0] != want[0] || s.Consumers[1] != want[1] || s.Consumers[2] != want[2] {
			t.Errorf("stream %s/%s consumers = %+v, want %+v", s.Tenant, s.Connector, s.Consumers, want)
		}
	}

	// Served by a: Self, and its newer in-memory assignment.
	a.SetPartitions(8, pa[:2], true)
	self := a.Self()
	src.Self = &self
	st = status.Build(ctx, src, "acme")
	if len(st.Leases) != 2 || st.Leases[0].Tenant != "acme" || st.Leases[1].Tenant != "acme" {
		t.Errorf("leases of acme = %+v", st.Leases)
	}
	for _, p := range st.Processes {
		switch p.Holder {
		case a.Holder():
			if !p.Self || *p.Generation != 8 || len(p.Partitions) != 1 || p.Partitions[0].Topic != topic(0) {
				t.Errorf("self = %+v, want generation 8 with %s only", p, topic(0))
			}
		case b.Holder():
			if p.Self || len(p.Partitions) != 2 { // acme's two topics
				t.Errorf("other = %+v, want acme's two topics", p)
			}
		}
	}

	b.Close()
	st = status.Build(ctx, src, "")
	if len(st.Processes) != 1 || st.Processes[0].Holder != a.Holder() {
		t.Errorf("after b stopped: processes %+v, want a only", st.Processes)
	}
}

// TestBuildFleetSQLite: on SQLite no lease is listed and the live
// process shows itself with its assignment from memory.
func TestBuildFleetSQLite(t *testing.T) {
	w := warehousetest.OpenSQLite(t, warehouse.Config{})
	m := lease.New(w, []lease.Binding{{Tenant: "acme", Connector: "hubspot"}}, lease.Options{})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := status.Build(context.Background(), status.Sources{Warehouse: w}, "")
	if len(st.Processes) != 0 || len(st.Leases) != 0 || st.Processes == nil || st.Leases == nil {
		t.Errorf("not live: processes %v, leases %v; want empty lists", st.Processes, st.Leases)
	}
	m.SetPartitions(3, []pipeline.TopicPartition{{Topic: "tally.acme.hubspot.deal", Partition: 0}}, true)
	self := m.Self()
	st = status.Build(context.Background(), status.Sources{Warehouse: w, Self: &self, Live: true,
		Streams: []pipeline.Stream{{Tenant: "acme", Source: "hubspot", Object: "deal"}}, TopicPrefix: "tally"}, "")
	if len(st.Processes) != 1 || !st.Processes[0].Self || len(st.Streams[0].Consumers) != 1 || st.Streams[0].Consumers[0].Holder != m.Holder() {
		t.Errorf("live on SQLite: processes %+v, consumers %+v", st.Processes, st.Streams[0].Consumers)
	}
}
