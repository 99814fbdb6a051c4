package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/hubspot/hubspottest"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/lease"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// The fleet measurements of BENCHMARKS.md, skipped unless
// TALLY_FLEET_BENCH=1 (they assert nothing about time):
//
//	TALLY_FLEET_BENCH=1 go test -count=1 -v -timeout 60m ./cmd/tally -run 'TestFleetThroughput|TestFleetTakeover'
//
// Every process is a real `tally run` binary; the broker (kfake) and the
// fake HubSpots run in the test process; one PostgreSQL; topics of 6
// partitions.

func fleetBench(t *testing.T) {
	if os.Getenv("TALLY_FLEET_BENCH") == "" {
		t.Skip("set TALLY_FLEET_BENCH=1 to measure the fleet")
	}
}

// cpuSelf is the test process's user+system CPU time (broker and CRMs).
func cpuSelf() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestFleetThroughput loads six tenants of fleetDeals deals each with 1,
// 2 and 3 processes, interleaved (1, 2, 3, 1, 2, 3, …) over
// TALLY_FLEET_ROUNDS rounds (3), and logs each run's rate and CPU time.
func TestFleetThroughput(t *testing.T) {
	fleetBench(t)
	bin := buildTally(t)
	total := int64(6 * fleetDeals)
	rounds := 3
	if r, err := strconv.Atoi(os.Getenv("TALLY_FLEET_ROUNDS")); err == nil && r > 0 {
		rounds = r
	}
	leaseTTL := cmp.Or(os.Getenv("TALLY_FLEET_LEASE_TTL"), "15s")
	parts := 6
	if p, err := strconv.Atoi(os.Getenv("TALLY_FLEET_PARTITIONS")); err == nil && p > 0 {
		parts = p
	}
	var servers map[string]*hubspottest.Server
	rates, steadyRates := map[int][]float64{}, map[int][]float64{}
	for round := range rounds {
		for n := 1; n <= 3; n++ {
			dsn := warehousetest.PostgresDSN(t)
			f := newFleet(t, bin, dsn, 6, fleetDeals).withBroker()
			f.partitions = parts
			f.leaseTTL = leaseTTL
			if servers != nil {
				f.servers = servers
			}
			servers = f.servers
			w := openWarehouse(t, dsn)
			self0 := cpuSelf()
			start := time.Now()
			var procs []*proc
			for range n {
				procs = append(procs, f.start())
			}
			first := loadAll(t, w, total, procs)
			d := time.Since(start)
			steady := time.Since(first)
			selfCPU := cpuSelf() - self0
			var tallyCPU time.Duration
			lost := 0 // leases given up when a renewal timed out
			for _, p := range procs {
				p.stop(t)
				tallyCPU += p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()
				lost += strings.Count(p.stderr.String(), "not renewed in time")
			}
			rate := float64(total) / d.Seconds()
			rates[n] = append(rates[n], rate)
			steadyRates[n] = append(steadyRates[n], float64(total-firstBatch)/steady.Seconds())
			t.Logf("round %d, %d process(es): %d deals in %s = %.0f deals/s (%.0f/s after the first %d); CPU: tally %.1fs, broker+CRMs %.1fs; leases lost to slow renewals: %d",
				round+1, n, total, d.Round(100*time.Millisecond), rate, float64(total-firstBatch)/steady.Seconds(), firstBatch,
				tallyCPU.Seconds(), selfCPU.Seconds(), lost)
		}
	}
	for n := 1; n <= 3; n++ {
		t.Logf("%d process(es): median %.0f deals/s of %.0f (%.2f× one process); after the first %d deals %.0f/s of %.0f (%.2f×)",
			n, median(rates[n]), rates[n], median(rates[n])/median(rates[1]), firstBatch,
			median(steadyRates[n]), steadyRates[n], median(steadyRates[n])/median(steadyRates[1]))
	}
}

// TestFleetTakeover measures, three times, how long after a SIGKILL the
// killed process's leases are taken over: from the kill to the new
// holder's acquired_at in the leases table, and to that process's first
// CRM request for the binding. Two processes share six tenants with
// sync.lease_ttl 3s.
func TestFleetTakeover(t *testing.T) {
	fleetBench(t)
	bin := buildTally(t)
	var table, pull []float64
	for i := range 3 {
		dsn := warehousetest.PostgresDSN(t)
		f := newFleet(t, bin, dsn, 6, fleetDeals).withBroker()
		f.partitions = 6
		f.latency = 20 * time.Millisecond
		w := openWarehouse(t, dsn)
		a, b := f.start(), f.start()
		eventually(t, 2*time.Minute, "three leases each", func() bool {
			h := holders(t, w)
			return len(ownedBy(h, pidHolder(a))) == 3 && len(ownedBy(h, pidHolder(b))) == 3
		})
		eventually(t, 3*time.Minute, "deals load", func() bool { return deals(t, w) >= 2000 })
		held := ownedBy(holders(t, w), pidHolder(a))
		_ = a.cmd.Process.Signal(syscall.SIGKILL)
		killed := time.Now()
		<-a.done
		eventually(t, time.Minute, "the survivor holds all six", func() bool {
			return len(ownedBy(holders(t, w), pidHolder(b))) == 6
		})
		rows, err := lease.List(context.Background(), w)
		if err != nil {
			t.Fatal(err)
		}
		var last time.Time
		for _, r := range rows {
			if slices.Contains(held, r.Tenant+"/"+r.Connector) && r.AcquiredAt.After(last) {
				last = r.AcquiredAt
			}
		}
		// The first request of the survivor for a taken-over binding.
		eventually(t, time.Minute, "the survivor pulls every taken-over binding", func() bool {
			return f.firstPull(held, b.launch, killed) > 0
		})
		fp := f.firstPull(held, b.launch, killed)
		table = append(table, last.Sub(killed).Seconds())
		pull = append(pull, fp.Seconds())
		t.Logf("takeover %d: %d leases; last acquired %.2fs after the kill, first pull of each %.2fs after it (lease_ttl 3s)",
			i+1, len(held), last.Sub(killed).Seconds(), fp.Seconds())
		b.stop(t)
	}
	t.Logf("lease takeover after SIGKILL (lease_ttl 3s): median %.2fs to acquire (%v), %.2fs to the first pull (%v)",
		median(table), table, median(pull), pull)
}

// firstPull returns how long after since launch made its first request
// for every binding of bs (the latest of those firsts); 0 while one has
// none yet.
func (f *fleet) firstPull(bs []string, launch int, since time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var latest time.Duration
	for _, b := range bs {
		var first time.Duration = -1
		for _, s := range f.spans {
			if s.binding == b && s.launch == launch && s.start.After(since) && (first < 0 || s.start.Sub(since) < first) {
				first = s.start.Sub(since)
			}
		}
		if first < 0 {
			return 0
		}
		latest = max(latest, first)
	}
	return latest
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// firstBatch is the deals after which the steady rate is measured
// (start-up, migrations, the lease wait and the first pages excluded).
const firstBatch = 3000

// loadAll waits until total deals are committed and returns when the
// first firstBatch were; after 5 minutes it
// makes the processes dump their goroutines (SIGQUIT) and fails with
// their logs' paths.
func loadAll(t *testing.T, w *warehouse.Warehouse, total int64, procs []*proc) (first time.Time) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n := deals(t, w)
		if first.IsZero() && n >= firstBatch {
			first = time.Now()
		}
		if n >= total {
			return first
		}
		if time.Now().After(deadline) {
			dir := os.TempDir()
			for _, p := range procs {
				_ = p.cmd.Process.Signal(syscall.SIGQUIT)
				<-p.done
				path := filepath.Join(dir, fmt.Sprintf("fleet-bench-launch-%d.log", p.launch))
				_ = os.WriteFile(path, p.stderr.Bytes(), 0o600)
				t.Logf("launch %d's log: %s", p.launch, path)
			}
			t.Fatalf("%d of %d deals after 5 minutes", deals(t, w), total)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
