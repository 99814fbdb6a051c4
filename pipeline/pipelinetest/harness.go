package pipelinetest

import (
	"context"
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

// pass runs one pass of src from cursor into a new Collector.
func pass(t *testing.T, src pipeline.Source, object, cursor string) *Collector {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := &Collector{}
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
