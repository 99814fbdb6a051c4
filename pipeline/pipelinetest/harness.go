package pipelinetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tally-dev/tally/pipeline"
)

// Harness adapts one source and its fake server to the suite.
type Harness struct {
	// Object is the canonical object under test.
	Object string
	// Records is how many records of Object the fake holds at the start.
	Records int
	// New builds a fresh fake (always over the same data) and a source
	// pulling Object from it. With storm set, the fake answers many
	// requests with rate-limit and server errors first (the source's
	// retries must absorb them; use short retry waits).
	New func(t *testing.T, storm bool) (pipeline.Source, Fake)
}

// Fake is the suite's handle on a fake vendor server.
type Fake interface {
	// Change modifies n existing records of the object so that the next
	// incremental pass must emit them, and returns their source ids.
	Change(t *testing.T, n int) []string
	// Delete deletes (or archives) n records so that the next pass must
	// emit deletes for them, and returns their source ids.
	Delete(t *testing.T, n int) []string
	// Corrupt makes one record's projected field hold a value that does
	// not parse, and returns the record's source id.
	Corrupt(t *testing.T) string
	// Requests returns "METHOD /path" of every request received so far.
	Requests() []string
	// Allowed reports whether a request is on the connector's allow-list.
	Allowed(method, path string) bool
}

// page is what one Emit call received.
type page struct {
	records []pipeline.Record
	cursor  string
}

// collector is an Emitter that keeps every page.
type collector struct {
	mu    sync.Mutex
	pages []page
	// onPage, when set, runs after each page is kept.
	onPage func(n int)
}

func (c *collector) Emit(ctx context.Context, recs []pipeline.Record, cursor string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.pages = append(c.pages, page{append([]pipeline.Record(nil), recs...), cursor})
	n := len(c.pages)
	c.mu.Unlock()
	if c.onPage != nil {
		c.onPage(n)
	}
	return nil
}

// records returns every record of pages[from:].
func (c *collector) records(from int) []pipeline.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []pipeline.Record
	for _, p := range c.pages[from:] {
		out = append(out, p.records...)
	}
	return out
}

// last returns the cursor of the last page with one.
func (c *collector) last() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.pages) - 1; i >= 0; i-- {
		if c.pages[i].cursor != "" {
			return c.pages[i].cursor
		}
	}
	return ""
}

// pass runs one pass of src from cursor into a new collector.
func pass(t *testing.T, src pipeline.Source, object, cursor string) *collector {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := &collector{}
	if err := src.Sync(ctx, object, cursor, c); err != nil {
		t.Fatalf("Sync(%s, cursor %q) = %v", object, cursor, err)
	}
	return c
}

// ids returns the set of source ids of upserts and of deletes.
func ids(recs []pipeline.Record) (upserts, deletes map[string]int) {
	upserts, deletes = map[string]int{}, map[string]int{}
	for _, r := range recs {
		if r.Op == pipeline.OpDelete {
			deletes[r.ID]++
		} else {
			upserts[r.ID]++
		}
	}
	return upserts, deletes
}
