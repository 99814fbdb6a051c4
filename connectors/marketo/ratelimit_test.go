package marketo

import (
	"fmt"
	"testing"
	"time"

	"github.com/tally-dev/tally/connectors/marketo/marketotest"
)

// TestLimiterKeepsEveryWindowUnderTheLimit drives the limiter on a fake
// clock with a client that calls as soon as it may: no window of 20 s
// holds more than the limit, and the limit is nearly used.
func TestLimiterKeepsEveryWindowUnderTheLimit(t *testing.T) {
	const window = 20 * time.Second
	for _, limit := range []int{100, 37, 2} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			lim := newLimiter(limit, window)
			now := time.Unix(1_700_000_000, 0)
			calls := make([]time.Time, 0, 20*limit)
			for range cap(calls) {
				r := lim.ReserveN(now, 1)
				now = now.Add(r.DelayFrom(now))
				calls = append(calls, now)
			}
			most, first := 0, 0
			for i := range calls {
				for calls[i].Sub(calls[first]) >= window {
					first++
				}
				most = max(most, i-first+1)
			}
			if most > limit || most < limit*8/10 {
				t.Errorf("busiest 20 s window holds %d calls, want at most %d and at least %d", most, limit, limit*8/10)
			}
		})
	}
}

// TestEveryRequestPassesTheLimiter: every request the fake received,
// identity calls, polls and downloads included, went through the
// limiter.
func TestEveryRequestPassesTheLimiter(t *testing.T) {
	f := newFixture(t, marketotest.Sizes{Leads: 50, Activities: 50}, serverOptions(), nil)
	f.sync(t, "lead", "")
	f.sync(t, "activity", "")
	if got, want := f.src.limit.sent.Load(), int64(f.srv.RequestCount()); got != want || got == 0 {
		t.Errorf("%d requests passed the limiter, the fake received %d", got, want)
	}
}
