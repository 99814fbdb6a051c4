package crmhttptest

import "time"

// FailEvery reports whether request n (counted from 1) fails under
// "every n-th request fails" injection with period every (0 = never), and
// whether it is an even failure (the 2nd, 4th, … failure), which fakes use
// to alternate between two error answers.
func FailEvery(n, every int) (fail, even bool) {
	if every <= 0 || n%every != 0 {
		return false, false
	}
	return true, n/every%2 == 0
}

// Window is a rolling rate-limit window: it remembers when requests were
// admitted during the last Interval. It is not safe for concurrent use;
// the fake guards it with its own mutex.
type Window struct {
	// Interval is the window's length.
	Interval time.Duration

	at []time.Time
}

// Prune forgets admissions Interval or more before now.
func (w *Window) Prune(now time.Time) {
	cut := 0
	for cut < len(w.at) && now.Sub(w.at[cut]) >= w.Interval {
		cut++
	}
	w.at = w.at[cut:]
}

// Admit prunes the window and then, unless limit > 0 and the window
// already holds limit admissions, admits a request at now. It reports
// whether the request was admitted; with limit <= 0 every request is
// admitted (and counted, for rate headers).
func (w *Window) Admit(now time.Time, limit int) bool {
	w.Prune(now)
	if limit > 0 && len(w.at) >= limit {
		return false
	}
	w.at = append(w.at, now)
	return true
}

// Len returns how many admissions the window holds (as of the last Prune
// or Admit).
func (w *Window) Len() int { return len(w.at) }

// Oldest returns the earliest admission the window holds, and false when
// it holds none.
func (w *Window) Oldest() (time.Time, bool) {
	if len(w.at) == 0 {
		return time.Time{}, false
	}
	return w.at[0], true
}
