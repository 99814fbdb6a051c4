package crmhttp

import (
	"errors"
	"fmt"
)

// ErrPagingLoop means a listing did not end: the server handed back a
// cursor the pass had already fetched, or many more pages than the total
// it reported implies. Retrying at once would loop again.
var ErrPagingLoop = errors.New("paging loop")

// PageGuard ends paging loops. A connector makes one per listing of a
// pass, calls Visit with the cursor (or page token, or offset) of every
// page before fetching it, and Expect when the API reports a total.
// The zero value is ready; it is not safe for concurrent use.
//
// It remembers every cursor of the listing, not only the previous one,
// so a server whose cursors go A → B → A is stopped on the first repeat.
type PageGuard struct {
	seen  map[string]struct{}
	pages int
	limit int
}

// Visit records that the page at cursor is about to be fetched. It
// returns an error wrapping ErrPagingLoop when cursor was fetched before
// in this listing, or when the page would exceed the limit Expect set.
// The error names the page number, never the cursor (vendors put record
// values into cursors).
func (g *PageGuard) Visit(cursor string) error {
	if g.seen == nil {
		g.seen = map[string]struct{}{}
	}
	g.pages++
	if _, ok := g.seen[cursor]; ok {
		return fmt.Errorf("page %d repeats the cursor of an earlier page: %w", g.pages, ErrPagingLoop)
	}
	g.seen[cursor] = struct{}{}
	if g.limit > 0 && g.pages > g.limit {
		return fmt.Errorf("page %d is past the %d pages the reported total implies: %w", g.pages, g.limit, ErrPagingLoop)
	}
	return nil
}

// Expect bounds the listing by a total the API reported: at most twice
// the pages the total needs at pageSize, plus ten, so records created
// during the pass still fit. A later, larger total raises the bound.
func (g *PageGuard) Expect(total, pageSize int) {
	if total < 0 || pageSize <= 0 {
		return
	}
	limit := 2*((total+pageSize-1)/pageSize) + 10
	if limit > g.limit {
		g.limit = limit
	}
}

// Pages returns how many pages were visited.
func (g *PageGuard) Pages() int { return g.pages }
