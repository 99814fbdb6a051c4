package crmhttptest

import "time"

// RNG is a splitmix64 stream seeded from (seed, kind, index), so that a
// generated record is a pure function of its position and needs no
// storage. The same (seed, kind, index) always yields the same sequence;
// a fake's generated data therefore only changes if it draws in a
// different order.
type RNG struct{ s uint64 }

func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// NewRNG returns the stream of record i of the given kind under seed.
// Kinds are small positive numbers each fake assigns to its objects.
func NewRNG(seed int64, kind uint64, i int) *RNG {
	return &RNG{s: mix(uint64(seed)) ^ mix(kind<<40^uint64(i))}
}

// Next returns the next 64 random bits.
func (r *RNG) Next() uint64 { r.s = mix(r.s); return r.s }

// Intn returns a number in [0, n); it is 0, drawing nothing, when n <= 0.
func (r *RNG) Intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.Next() % uint64(n))
}

// Pick returns one element of s, which must not be empty.
func (r *RNG) Pick(s []string) string { return s[r.Intn(len(s))] }

// Times spreads a record over the window before epoch in steps of unit:
// from is 1 to window/unit units before epoch, to is between from and
// epoch (to < epoch). It draws exactly two numbers, so a fake that draws
// them first can recompute a record's times without generating the rest.
func (r *RNG) Times(epoch time.Time, window, unit time.Duration) (from, to time.Time) {
	from = epoch.Add(-time.Duration(1+r.Intn(int(window/unit))) * unit)
	to = from.Add(time.Duration(r.Intn(int(epoch.Sub(from)/unit))) * unit)
	return from, to
}
