package crmhttp

import (
	"errors"
	"testing"
)

func TestPageGuardCycle(t *testing.T) {
	var g PageGuard
	for i, c := range []string{"", "A", "B"} {
		if err := g.Visit(c); err != nil {
			t.Fatalf("Visit(page %d) = %v, want nil", i+1, err)
		}
	}
	if err := g.Visit("A"); !errors.Is(err, ErrPagingLoop) {
		t.Fatalf("Visit(repeated cursor) = %v, want ErrPagingLoop", err)
	}
}

func TestPageGuardTotal(t *testing.T) {
	var g PageGuard
	g.Expect(100, 10) // 10 pages needed: bound 30
	var err error
	n := 0
	for err == nil && n < 1000 {
		n++
		err = g.Visit(string(rune('a'+n%26)) + string(rune(n)))
	}
	if !errors.Is(err, ErrPagingLoop) || n != 31 {
		t.Fatalf("guard stopped at page %d with %v, want page 31 with ErrPagingLoop", n, err)
	}
}
