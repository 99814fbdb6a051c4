package main

import "testing"

func TestTitleState(t *testing.T) {
	for _, c := range []struct{ title, want string }{
		{"postgres: 15/main: postgres bench 127.0.0.1(5000) INSERT waiting\x00", stateWaiting},
		{"postgres: 15/main: postgres bench 127.0.0.1(5000) INSERT\x00", stateRunning},
		{"postgres: 15/main: postgres bench 127.0.0.1(5000) COMMIT", stateRunning},
		{"postgres: 15/main: postgres bench 127.0.0.1(5000) idle in transaction", stateIdleTx},
		{"postgres: 15/main: postgres bench 127.0.0.1(5000) idle in transaction (aborted)", stateIdleTx},
		{"postgres: 15/main: postgres bench 127.0.0.1(5000) idle\x00\x00", stateIdle},
	} {
		if got := titleState(c.title); got != c.want {
			t.Errorf("titleState(%q) = %q, want %q", c.title, got, c.want)
		}
	}
}

func TestTitleNames(t *testing.T) {
	for _, c := range []struct {
		title, db string
		want      bool
	}{
		{"postgres: 15/main: postgres bench 127.0.0.1(5000) idle", "bench", true},
		{"postgres: postgres bench [local] idle", "bench", true},
		{"postgres: 15/main: postgres other 127.0.0.1(5000) idle", "bench", false},
		{"postgres: 15/main: checkpointer ", "bench", false},
	} {
		if got := titleNames(c.title, c.db); got != c.want {
			t.Errorf("titleNames(%q, %q) = %v, want %v", c.title, c.db, got, c.want)
		}
	}
}

func TestSharesSumsSamples(t *testing.T) {
	s := &backendSampler{states: map[string]int{stateRunning: 3, stateWaiting: 1}}
	if got, want := s.shares(), "running a statement 75 %, waiting on a lock 25 %, idle in transaction 0 %, idle 0 %"; got != want {
		t.Errorf("shares = %q, want %q", got, want)
	}
	if got := (&backendSampler{states: map[string]int{}}).shares(); got != "" {
		t.Errorf("shares of no samples = %q, want \"\"", got)
	}
}
