package pipelinetest

import (
	"context"
	"slices"
	"sync"

	"github.com/tally-dev/tally/pipeline"
)

// Page is what one Emit call received.
type Page struct {
	Records []pipeline.Record
	Cursor  string
}

// Collector is a pipeline.Emitter that keeps every page it is given, for
// tests to inspect. Like the runner's emitter it refuses a page once ctx
// is done (returning ctx.Err()). It is safe for concurrent use; the zero
// value is ready.
type Collector struct {
	// Hook, when set, runs before a page is kept with the number of pages
	// kept so far; an error it returns is Emit's and the page is dropped.
	Hook func(n int) error
	// OnPage, when set, runs after a page is kept with the number of
	// pages kept, the new one included.
	OnPage func(n int)

	mu    sync.Mutex
	pages []Page
}

// Emit keeps a copy of recs and cursor as one page.
func (c *Collector) Emit(ctx context.Context, recs []pipeline.Record, cursor string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.Hook != nil {
		if err := c.Hook(c.Len()); err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.pages = append(c.pages, Page{append([]pipeline.Record(nil), recs...), cursor})
	n := len(c.pages)
	c.mu.Unlock()
	if c.OnPage != nil {
		c.OnPage(n)
	}
	return nil
}

// Len returns how many pages were kept.
func (c *Collector) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pages)
}

// Pages returns the kept pages in emit order.
func (c *Collector) Pages() []Page {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Page(nil), c.pages...)
}

// Records returns every kept record in emit order.
func (c *Collector) Records() []pipeline.Record { return c.RecordsFrom(0) }

// RecordsFrom returns every record of the pages from the from-th on.
func (c *Collector) RecordsFrom(from int) []pipeline.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []pipeline.Record
	for _, p := range c.pages[from:] {
		out = append(out, p.Records...)
	}
	return out
}

// Cursors returns the cursor of every kept page in emit order.
func (c *Collector) Cursors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.pages))
	for i, p := range c.pages {
		out[i] = p.Cursor
	}
	return out
}

// Last returns the cursor of the last kept page ("" when none was kept).
func (c *Collector) Last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pages) == 0 {
		return ""
	}
	return c.pages[len(c.pages)-1].Cursor
}

// Resume returns the cursor a next pass resumes from: that of the last
// kept page which carried one ("" when none did).
func (c *Collector) Resume() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.pages) - 1; i >= 0; i-- {
		if c.pages[i].Cursor != "" {
			return c.pages[i].Cursor
		}
	}
	return ""
}

// IDs returns the sorted distinct source ids of the records with op.
func IDs(rs []pipeline.Record, op pipeline.Op) []string {
	var out []string
	for _, r := range rs {
		if r.Op == op {
			out = append(out, r.ID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
