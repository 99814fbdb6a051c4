package lease_test

import (
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse/lease"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestPartitionsRecorded: a process's consumer-group assignment reaches
// its lease_holders row at once (long before the next heartbeat), is
// cleared between generations, and goes with the row when the process
// stops.
func TestPartitionsRecorded(t *testing.T) {
	w := open(t, warehousetest.PostgresDSN(t), "lease-partitions")
	m := start(t, w, bindings(1), lease.Options{TTL: 30 * time.Second}) // heartbeats every 10s
	row := func() lease.Process {
		ps, err := lease.Processes(ctxT(t), w, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Holder == m.Holder() {
				return p
			}
		}
		t.Fatalf("process %s not listed in %+v", m.Holder(), ps)
		return lease.Process{}
	}
	if p := row(); p.Generation != nil || len(p.Partitions) != 0 || p.PartitionsAt != nil {
		t.Errorf("before any assignment: %+v", p)
	}
	m.SetPartitions(4, []pipeline.TopicPartition{{Topic: "tally.acme.a.deal", Partition: 2},
		{Topic: "tally.acme.a.deal", Partition: 0}, {Topic: "tally.acme.a.lead", Partition: 1}}, true)
	eventually(t, "the assignment is recorded", func() bool {
		p := row()
		return p.Generation != nil && *p.Generation == 4 && len(p.Partitions) == 2
	})
	p := row()
	if p.Partitions[0].Topic != "tally.acme.a.deal" || len(p.Partitions[0].Partitions) != 2 || p.Partitions[0].Partitions[0] != 0 {
		t.Errorf("partitions = %+v, want deal 0,2 and lead 1 in order", p.Partitions)
	}
	m.SetPartitions(4, nil, false)
	eventually(t, "the end of the generation is recorded", func() bool {
		p := row()
		return p.Generation == nil && len(p.Partitions) == 0 && p.PartitionsAt != nil
	})
	m.Close()
	if ps, err := lease.Processes(ctxT(t), w, time.Hour); err != nil || len(ps) != 0 {
		t.Errorf("after Close: %+v, %v; want no process", ps, err)
	}
}
