package lease_test

import (
	"testing"
	"time"

	"github.com/tally-dev/tally/warehouse/lease"
	"github.com/tally-dev/tally/warehouse/warehousetest"
)

// TestLeaseGivenUpLocallyIsTakenAgain: a process gives a lease up
// locally when its renewals fail for longer than 4/5 of the TTL (a
// loaded database); when the renewals work again, the row must not stay
// renewed by a process that no longer pulls the binding: the lease is
// released and taken again, with a new token.
func TestLeaseGivenUpLocallyIsTakenAgain(t *testing.T) {
	w := open(t, warehousetest.PostgresDSN(t), "lease-stray")
	bs := bindings(2)
	m := start(t, w, bs, lease.Options{TTL: time.Second})
	eventually(t, "both leases held", func() bool { return len(held(m, bs)) == 2 })
	before, _ := m.Hold("acme", "a")
	before.Release()
	m.Expire(time.Now().Add(time.Hour)) // as after renewals that failed
	select {
	case <-before.Lost:
	default:
		t.Fatal("the lease is not given up locally")
	}
	eventually(t, "both leases held again", func() bool { return len(held(m, bs)) == 2 })
	after, _ := m.Hold("acme", "a")
	after.Release()
	if after.Token <= before.Token {
		t.Errorf("token after retaking = %d, want more than %d", after.Token, before.Token)
	}
}
