package main

import (
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

const fleetDeals = 5000

// fleetSkip are the tables that legitimately differ between a fleet and
// a single run: lease bookkeeping, and quarantine (none expected).
var fleetSkip = []string{"leases", "lease_holders", "quarantine"}

// reference loads the fleet's tenants with one `tally run --once` into
// a schema of its own, through launch 1's proxies, and returns its dump
// and request count.
func reference(t *testing.T, bin string, tenants, deals int) (*fleet, string, int) {
	t.Helper()
	dsn := warehousetest.PostgresDSN(t)
	f := newFleet(t, bin, dsn, tenants, deals)
	f.once()
	w := openWarehouse(t, dsn)
	want := dumpDB(t, w, fleetSkip...)
	if n := strings.Count(want, "\n"); n < tenants*deals {
		t.Fatalf("reference run loaded too little (%d dump lines)", n)
	}
	return f, want, f.requests(1)
}

// TestFleetKillRestart runs three `tally run` processes over six tenants,
// SIGKILLs random ones mid-sync and restarts them, and checks that the
// warehouse ends identical to a single run's, that no two processes ever
// pulled one binding at the same time, and that the CRM requests stay
// close to a single run's.
func TestFleetKillRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs several processes")
	}
	bin := buildTally(t)
	ref, want, refRequests := reference(t, bin, 6, fleetDeals)
	total := int64(6 * fleetDeals)

	dsn := warehousetest.PostgresDSN(t)
	f := newFleet(t, bin, dsn, 6, fleetDeals).withBroker()
	f.servers = ref.servers // the same CRMs
	f.latency = 40 * time.Millisecond
	w := openWarehouse(t, dsn)
	procs := []*proc{f.start(), f.start(), f.start()}
	rng := rand.New(rand.NewPCG(13, 13))
	var takeovers []time.Duration
	for kill := range 3 {
		progress := min(deals(t, w)+1000, total)
		eventually(t, 3*time.Minute, "deals load", func() bool { return deals(t, w) >= progress })
		// A random process among those holding leases (all when none do).
		h := holders(t, w)
		var candidates []int
		for i, p := range procs {
			if len(ownedBy(h, pidHolder(p))) > 0 {
				candidates = append(candidates, i)
			}
		}
		if len(candidates) == 0 {
			candidates = []int{0, 1, 2}
		}
		i := candidates[rng.IntN(len(candidates))]
		victim := procs[i]
		held := ownedBy(h, pidHolder(victim))
		_ = victim.cmd.Process.Signal(syscall.SIGKILL)
		<-victim.done
		killed := time.Now()
		t.Logf("kill %d: launch %d with %d leases, %d deals loaded", kill+1, victim.launch, len(held), deals(t, w))
		eventually(t, time.Minute, "the killed process's leases are taken over", func() bool {
			h := holders(t, w)
			for _, b := range held {
				if h[b] == "" || h[b] == pidHolder(victim) {
					return false
				}
			}
			return true
		})
		if len(held) > 0 {
			takeovers = append(takeovers, time.Since(killed))
		}
		procs[i] = f.start()
	}
	eventually(t, 5*time.Minute, "the fleet's warehouse equals the single run's", func() bool {
		return dumpDB(t, w, fleetSkip...) == want
	})
	for _, p := range procs {
		p.stop(t)
	}
	if got := dumpDB(t, w, fleetSkip...); got != want {
		t.Fatalf("fleet warehouse differs from a single run's:\n%s", diffLines(want, got))
	}
	if o := f.overlaps(); len(o) > 0 {
		t.Errorf("two processes pulled one binding at the same time:\n%s", strings.Join(o, "\n"))
	}
	launches := make([]int, 0, f.launches)
	for l := 1; l <= f.launches; l++ {
		launches = append(launches, l)
	}
	got := f.requests(launches...)
	for _, l := range launches {
		t.Logf("launch %d: %d requests", l, f.requests(l))
	}
	fenced := 0
	for _, p := range procs {
		fenced += strings.Count(p.stderr.String(), "checkpoint refused")
	}
	t.Logf("paths: %v; fenced (live processes): %d", f.paths(), fenced)
	t.Logf("requests: single run %d, fleet with 3 kills %d; lease takeovers after SIGKILL: %v", refRequests, got, takeovers)
	// Each kill re-pulls what the killed process had published and the
	// warehouse not yet committed (its checkpoints are fenced once the
	// lease moves). Back-pressure keeps a connector at most
	// pipeline.DefaultAhead pages ahead of its stored cursor, so a kill
	// costs at most that plus the page in flight and the one being
	// queued, for each of the (at most 3) leases it held: deals is the
	// only object of more than a page or two. Later passes (one search
	// page per object) fit in the 25%.
	perKill := 3 * (pipeline.DefaultAhead + 2)
	t.Logf("requests/single = %.2f (limit %.2f)", float64(got)/float64(refRequests), float64(refRequests*5/4+3*perKill)/float64(refRequests))
	if limit := refRequests*5/4 + 3*perKill; got > limit {
		t.Errorf("the fleet made %d CRM requests; a single run makes %d (limit %d)", got, refRequests, limit)
	}
}

// TestFleetRebalance adds a second and a third process to a running one
// and then removes one: the leases spread and move, the consumer group
// hands partitions over, and the warehouse ends identical to a single
// run's, nothing lost or doubled.
func TestFleetRebalance(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs several processes")
	}
	bin := buildTally(t)
	ref, want, refRequests := reference(t, bin, 6, fleetDeals)
	dsn := warehousetest.PostgresDSN(t)
	f := newFleet(t, bin, dsn, 6, fleetDeals).withBroker()
	f.servers = ref.servers
	f.latency = 20 * time.Millisecond
	w := openWarehouse(t, dsn)

	a := f.start()
	eventually(t, time.Minute, "one process holds all six leases", func() bool {
		return len(ownedBy(holders(t, w), pidHolder(a))) == 6
	})
	eventually(t, 3*time.Minute, "deals load", func() bool { return deals(t, w) >= 1000 })
	b := f.start()
	eventually(t, time.Minute, "two processes share the leases 3 and 3", func() bool {
		h := holders(t, w)
		return len(ownedBy(h, pidHolder(a))) == 3 && len(ownedBy(h, pidHolder(b))) == 3
	})
	c := f.start()
	eventually(t, time.Minute, "three processes hold 2 leases each", func() bool {
		h := holders(t, w)
		return len(ownedBy(h, pidHolder(a))) == 2 && len(ownedBy(h, pidHolder(b))) == 2 && len(ownedBy(h, pidHolder(c))) == 2
	})
	a.stop(t)
	eventually(t, time.Minute, "the two left hold 3 leases each", func() bool {
		h := holders(t, w)
		return len(ownedBy(h, pidHolder(b))) == 3 && len(ownedBy(h, pidHolder(c))) == 3
	})
	eventually(t, 5*time.Minute, "the fleet's warehouse equals the single run's", func() bool {
		return dumpDB(t, w, fleetSkip...) == want
	})
	b.stop(t)
	c.stop(t)
	if got := dumpDB(t, w, fleetSkip...); got != want {
		t.Fatalf("warehouse after rebalances differs from a single run's:\n%s", diffLines(want, got))
	}
	if o := f.overlaps(); len(o) > 0 {
		t.Errorf("two processes pulled one binding at the same time:\n%s", strings.Join(o, "\n"))
	}
	// A lease moves only after its holder's pass is committed, so a
	// rebalance re-pulls nothing: only later passes' search pages add up.
	got := f.requests(1, 2, 3)
	t.Logf("requests: single run %d, fleet with two joins and a leave %d", refRequests, got)
	if limit := refRequests*5/4 + 50*3; got > limit {
		t.Errorf("the fleet made %d CRM requests; a single run makes %d (limit %d)", got, refRequests, limit)
	}
	for _, p := range []*proc{a, b, c} {
		if !strings.Contains(p.stderr.String(), "connector lease acquired") {
			t.Errorf("launch %d never logged a lease it acquired", p.launch)
		}
	}
}

// deals returns how many deal facts are committed.
func deals(t *testing.T, w *warehouse.Warehouse) int64 {
	t.Helper()
	c, err := w.Counts(t.Context())
	if err != nil { // not migrated yet
		return 0
	}
	return c["deal_facts"]
}

// ownedBy returns the bindings h gives to holder.
func ownedBy(h map[string]string, holder string) []string {
	var out []string
	for b, who := range h {
		if who == holder {
			out = append(out, b)
		}
	}
	return out
}
