package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clkTck is USER_HZ, the unit of /proc/<pid>/stat times (100 on Linux).
const clkTck = 100

// postgresCPU sums utime+stime+cutime+cstime over every process named
// postgres: live backends count their own time, and the postmaster's
// cutime/cstime holds the time of backends that already exited (it reaps
// them), so a before/after difference counts the backends of a client
// that disconnected in between.
func postgresCPU() time.Duration {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open || s[open+1:close] != "postgres" {
			continue
		}
		f := strings.Fields(s[close+2:])
		// f[0] is field 3 (state); utime..cstime are fields 14..17.
		for _, i := range []int{11, 12, 13, 14} {
			if i < len(f) {
				v, _ := strconv.ParseInt(f[i], 10, 64)
				ticks += v
			}
		}
	}
	return time.Duration(ticks) * time.Second / clkTck
}

// vmHWM returns the peak RSS of pid from /proc/<pid>/status, in bytes (0
// if the process is gone).
func vmHWM(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// backendCPU returns the CPU time (utime+stime) of every PostgreSQL
// backend serving database db, by pid: the server shares the machine
// with other databases' clients, so only the backends whose process
// title names db count.
func backendCPU(db string) map[int]time.Duration {
	out, _ := backendsOf(db)
	return out
}

// backendsOf returns backendCPU's times and, for each backend, its state
// as its process title shows it (titleState).
func backendsOf(db string) (map[int]time.Duration, map[int]string) {
	out, states := map[int]time.Duration{}, map[int]string{}
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(b), "postgres: ") {
			continue
		}
		if !titleNames(string(b), db) {
			continue
		}
		dir := filepath.Dir(p)
		st, err := os.ReadFile(filepath.Join(dir, "stat"))
		if err != nil {
			continue
		}
		s := string(st)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+2:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		pid, _ := strconv.Atoi(filepath.Base(dir))
		out[pid] = time.Duration(u+k) * time.Second / clkTck
		states[pid] = titleState(string(b))
	}
	return out, states
}

// Backend states, as titleState names them.
const (
	stateRunning = "running a statement"
	stateWaiting = "waiting on a lock"
	stateIdleTx  = "idle in transaction"
	stateIdle    = "idle"
)

// titleState reads a backend's state off its process title, whose last
// words are the command it runs ("INSERT", "COPY", "COMMIT"), "idle",
// "idle in transaction", with " waiting" appended while it waits for a
// heavyweight lock (a row another transaction holds, for one).
func titleState(title string) string {
	t := strings.TrimRight(title, "\x00 ")
	switch {
	case strings.HasSuffix(t, " waiting"):
		return stateWaiting
	case strings.HasSuffix(t, " idle in transaction"), strings.HasSuffix(t, " idle in transaction (aborted)"):
		return stateIdleTx
	case strings.HasSuffix(t, " idle"):
		return stateIdle
	}
	return stateRunning
}

// backendSampler follows the backends of a database while a load runs:
// a backend's time is read every 100 ms and its last reading kept, so a
// backend that exits with its client still counts (up to the last 100 ms).
type backendSampler struct {
	db         string
	before     map[int]time.Duration
	last       map[int]time.Duration
	states     map[string]int // samples of backends per titleState
	stop, done chan struct{}
}

func startSampler(db string) *backendSampler {
	s := &backendSampler{db: db, before: backendCPU(db), last: map[int]time.Duration{},
		states: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			cpu, states := backendsOf(db)
			for pid, d := range cpu {
				s.last[pid] = max(s.last[pid], d)
			}
			for _, st := range states {
				s.states[st]++
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// total stops the sampler and returns the CPU its backends used since
// it started.
func (s *backendSampler) total() time.Duration {
	close(s.stop)
	<-s.done
	for pid, d := range backendCPU(s.db) {
		s.last[pid] = max(s.last[pid], d)
	}
	var sum time.Duration
	for pid, d := range s.last {
		sum += d - s.before[pid]
	}
	return sum
}

// titleNames reports whether a backend's process title ("postgres:
// [cluster: ]user db host(port) state") names database db.
func titleNames(title, db string) bool {
	f := strings.Fields(strings.TrimRight(title, "\x00"))
	for i := 1; i < len(f) && i <= 4; i++ {
		if f[i] == db && !strings.HasSuffix(f[i-1], ":") {
			return true
		}
	}
	return false
}

// shares returns, after total, the backends' samples per state as
// "state NN %" in a fixed order ("" when none was sampled).
func (s *backendSampler) shares() string {
	n := 0
	for _, c := range s.states {
		n += c
	}
	if n == 0 {
		return ""
	}
	var parts []string
	for _, st := range []string{stateRunning, stateWaiting, stateIdleTx, stateIdle} {
		parts = append(parts, fmt.Sprintf("%s %.0f %%", st, 100*float64(s.states[st])/float64(n)))
	}
	return strings.Join(parts, ", ")
}
