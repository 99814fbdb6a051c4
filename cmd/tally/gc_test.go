package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestTuneRuntime: tally's GC defaults apply unless the environment
// sets GOGC or GOMEMLIMIT, and TALLY_CPUPROFILE writes a profile.
func TestTuneRuntime(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, tc := range []struct {
		name    string
		env     map[string]string
		percent int
		limit   int64
	}{
		{"defaults", nil, defaultGCPercent, defaultMemoryLimit},
		{"GOGC set", map[string]string{"GOGC": "150"}, 100, defaultMemoryLimit},
		{"GOGC off", map[string]string{"GOGC": "off"}, 100, math.MaxInt64},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, defaultGCPercent, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			stop := tuneRuntime(func(k string) string { return tc.env[k] }, os.Stderr)
			stop()
			if got := debug.SetGCPercent(100); got != tc.percent {
				t.Errorf("GC percent = %d, want %d", got, tc.percent)
			}
			if got := debug.SetMemoryLimit(-1); got != tc.limit {
				t.Errorf("memory limit = %d, want %d", got, tc.limit)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	var stderr bytes.Buffer
	stop := tuneRuntime(func(k string) string { return map[string]string{cpuProfileEnv: path}[k] }, &stderr)
	stop()
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 || stderr.Len() > 0 {
		t.Errorf("profile %v, %v; stderr %q", fi, err, stderr.String())
	}
	stop = tuneRuntime(func(k string) string { return map[string]string{cpuProfileEnv: filepath.Join(path, "x", "y")}[k] }, &stderr)
	stop()
	if stderr.Len() == 0 {
		t.Errorf("an unwritable profile path reported nothing")
	}
}
