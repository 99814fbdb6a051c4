package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"
)

// Garbage-collector defaults of the tally process. tally allocates fast
// and keeps little: a batch of records lives from its decode to its
// commit (about 20 MiB live in a 4-partition CSV load). The runtime's
// default (GOGC=100) collects every time the heap doubles, which cost
// about a fifth of tally's own CPU. At 200 the heap may grow to three
// times what is live before a collection. 400 saved a little more CPU
// (25.4–26.1 against 27.2–31.1 client CPU-s per 1M records, 200k-row
// CSV load) but peaked at 182–194 MiB RSS against 120–123 MiB, past the
// 150 MiB the throughput issue allows; 300 peaked at 153 MiB. The soft
// memory limit keeps growth bounded: as the process nears it, the
// runtime collects sooner, whatever GOGC says. It is set well above what
// a process holds live: a limit near the live heap makes the runtime
// collect almost continuously (a 128 MiB limit slowed a three-process
// fleet test past its timeout).
const (
	defaultGCPercent   = 200
	defaultMemoryLimit = 512 << 20
)

// demoMemoryLimitBytes is the demo's soft memory limit: one process whose
// live heap stays far below it (about 35 MiB at 1M deals), so the limit
// keeps its peak RSS near what `make bench-e2e` promises (150 MiB)
// without collecting continuously.
const demoMemoryLimitBytes = 112 << 20

// demoMemoryLimit lowers the soft memory limit for `tally demo`, unless
// GOMEMLIMIT is set or GOGC=off.
func demoMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" && !strings.EqualFold(strings.TrimSpace(getenv("GOGC")), "off") {
		debug.SetMemoryLimit(demoMemoryLimitBytes)
	}
}

// cpuProfileEnv names the environment variable that makes the process
// write a CPU profile of its whole run to the file it names (for
// `go tool pprof`).
const cpuProfileEnv = "TALLY_CPUPROFILE"

// tuneRuntime applies the GC defaults above, except each one the
// environment sets itself: GOGC (the runtime reads it; GOGC=off also
// leaves the memory limit alone, since it asks for no collection) and
// GOMEMLIMIT. With TALLY_CPUPROFILE set it starts a CPU profile. It
// returns the function that stops the profile and writes it; main calls
// it before exiting. Problems with the profile are reported on stderr
// and do not stop tally.
func tuneRuntime(getenv func(string) string, stderr io.Writer) (stop func()) {
	gogc := strings.TrimSpace(getenv("GOGC"))
	if gogc == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" && !strings.EqualFold(gogc, "off") {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	path := getenv(cpuProfileEnv)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "tally: %s: %v\n", cpuProfileEnv, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "tally: %s: %v\n", cpuProfileEnv, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(stderr, "tally: %s: %v\n", cpuProfileEnv, err)
		}
	}
}
