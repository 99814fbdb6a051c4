package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/status"
	"github.com/tally-dev/tally/warehouse/lease"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestFleetStatus runs two `tally run` processes sharing one broker and
// one warehouse and reads `tally status` (JSON and text) from a third
// process: both processes are listed with the connector leases each
// holds (three and three) and the raw topics' partitions split between
// them by the consumer group, every partition consumed by exactly one;
// no personal value of the CRMs appears in the status.
func TestFleetStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs several processes")
	}
	bin := buildTally(t)
	dsn := warehousetest.PostgresDSN(t)
	const tenants, dealsPer = 6, 300
	f := newFleet(t, bin, dsn, tenants, dealsPer).withBroker()
	w := openWarehouse(t, dsn)
	a, b := f.start(), f.start()
	eventually(t, 2*time.Minute, "the two processes hold three leases each", func() bool {
		h := holders(t, w)
		return len(ownedBy(h, pidHolder(a))) == 3 && len(ownedBy(h, pidHolder(b))) == 3
	})
	cfg, _ := f.config()
	statusOf := func(args ...string) string {
		cmd := exec.Command(bin, append(args, "--config", cfg)...)
		cmd.Env = append(os.Environ(), "TALLY_TEST_PG_DSN="+dsn, "TALLY_TEST_HUBSPOT_TOKEN="+testToken)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tally %v: %v", args, err)
		}
		return string(out)
	}
	// Without a live run, tally status lists the streams with a recorded
	// pass: wait for every stream's first, and for both processes to
	// record their partitions of one generation.
	var js string
	var st status.Status
	eventually(t, 2*time.Minute, "tally status shows every stream and both processes' partitions", func() bool {
		js = statusOf("status", "--json")
		st = status.Status{}
		if err := json.Unmarshal([]byte(js), &st); err != nil || st.Schema != 1 {
			t.Fatalf("status --json: schema %d, %v", st.Schema, err)
		}
		if len(st.Streams) != tenants*3 || len(st.Processes) != 2 {
			return false
		}
		for _, p := range st.Processes {
			if p.Generation == nil || len(p.Partitions) == 0 || *p.Generation != *st.Processes[0].Generation {
				return false
			}
		}
		return true
	})
	if len(st.Processes) != 2 {
		t.Fatalf("status lists %d processes, want 2:\n%s", len(st.Processes), js)
	}
	pids := map[int64]bool{int64(a.cmd.Process.Pid): true, int64(b.cmd.Process.Pid): true}
	for _, p := range st.Processes {
		if !pids[p.PID] || len(p.Leases) != 3 || p.Generation == nil || len(p.Partitions) == 0 || p.Self {
			t.Errorf("process %s (pid %d): %d leases, generation %v, %d topics, self %v; want one of the two runs with 3 leases and partitions",
				p.Holder, p.PID, len(p.Leases), p.Generation, len(p.Partitions), p.Self)
		}
	}
	if len(st.Leases) != tenants {
		t.Errorf("status lists %d leases, want %d", len(st.Leases), tenants)
	}
	// Every stream's lease holder is a listed process, each partition of
	// its topic is consumed by exactly one process, and the consumer
	// group split at least one topic between the two.
	listed := map[string]bool{st.Processes[0].Holder: true, st.Processes[1].Holder: true}
	split, consumed := 0, 0
	for _, s := range st.Streams {
		if !listed[s.LeaseHolder] {
			t.Errorf("stream %s/%s/%s: lease holder %q is not a listed process", s.Tenant, s.Connector, s.Object, s.LeaseHolder)
		}
		byHolder := map[string]int{}
		seen := map[int]bool{}
		for _, c := range s.Consumers {
			if seen[c.Partition] {
				t.Errorf("stream %s/%s/%s: partition %d consumed by two processes", s.Tenant, s.Connector, s.Object, c.Partition)
			}
			seen[c.Partition] = true
			byHolder[c.Holder]++
			consumed++
		}
		if len(s.Consumers) > 0 && len(s.Consumers) != 3 {
			t.Errorf("stream %s/%s/%s: %d of 3 partitions consumed", s.Tenant, s.Connector, s.Object, len(s.Consumers))
		}
		if len(byHolder) == 2 {
			split++
		}
	}
	if consumed == 0 || split == 0 {
		t.Errorf("%d partitions consumed, %d topics split between the processes; want both > 0:\n%s", consumed, split, js)
	}
	text := statusOf("status")
	for _, p := range st.Processes {
		if !strings.Contains(text, p.Holder) {
			t.Errorf("tally status (text) lacks process %s:\n%s", p.Holder, text)
		}
	}
	if !strings.Contains(text, "processes: 2 live") || !strings.Contains(text, "connector leases:") {
		t.Errorf("tally status (text) lacks the fleet:\n%s", text)
	}
	t.Logf("tally status:\n%s", text)

	// Privacy: the status names processes, topics and counts, never a
	// value of the CRMs.
	checked := 0
	for i := range tenants {
		ds := hubspottest.Generate(int64(100+i), hubspottest.Sizes{Owners: 8, Deals: dealsPer, Contacts: 100})
		for _, v := range ds.PersonalValues() {
			if len(v) < 5 {
				continue
			}
			checked++
			if strings.Contains(js, v) || strings.Contains(text, v) {
				t.Errorf("personal value %q in tally status", v)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d personal values checked", checked)
	}
	a.stop(t)
	b.stop(t)
	if ps, err := lease.Processes(t.Context(), w, time.Hour); err != nil || len(ps) != 0 {
		t.Errorf("after both stopped: %d processes listed (%v), want none", len(ps), err)
	}
}
