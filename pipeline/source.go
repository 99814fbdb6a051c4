package pipeline

import "context"

// Source pulls records of one tenant from one CRM, one-way.
//
// Construction validates configuration and does no I/O. Open may do I/O
// (a token exchange, a login) and must be called once before Sync. Close
// releases what Open acquired; it is called once, after every Sync call
// has returned.
//
// A Source never writes to the CRM: its HTTP client refuses any request
// that is not on the connector's read-only allow-list (see package
// connectors/crmhttp).
type Source interface {
	// Objects lists the canonical objects this source pulls, in the order
	// a sync pass visits them.
	Objects() []string

	// Sync runs one sync pass of object, starting after cursor ("" means
	// from the beginning). It hands every page of records to emit, with
	// the cursor to resume from after that page, and returns nil when the
	// pass is complete (every change up to the pass's start time and every
	// delete it can see has been emitted).
	//
	// Sync blocks; it returns ctx.Err() (possibly wrapped) promptly when
	// ctx is done, and any error returned by emit unchanged. Errors wrap a
	// kind: ErrConfig (bad credentials), ErrQuota (budget spent: stop
	// cleanly), ErrTransient (retries exhausted). Sync is not called
	// concurrently for the same object; different objects may sync
	// concurrently.
	Sync(ctx context.Context, object, cursor string, emit Emitter) error

	// Open prepares the source for Sync.
	Open(ctx context.Context) error
	// Close releases the source.
	Close() error
}

// Emitter receives the pages of a sync pass.
//
// Emit blocks until every record of the page and then the checkpoint
// carrying cursor are durably in the log (acknowledged by Kafka). It
// returns ctx.Err() when ctx is done. The records belong to the emitter
// once passed; the source must not touch them again. Cursor is opaque to
// everyone but the source that made it; an empty cursor emits no
// checkpoint.
type Emitter interface {
	Emit(ctx context.Context, records []Record, cursor string) error
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(ctx context.Context, records []Record, cursor string) error

// Emit calls f.
func (f EmitterFunc) Emit(ctx context.Context, records []Record, cursor string) error {
	return f(ctx, records, cursor)
}

// Checker is implemented by sources that can test their credentials
// and reach without pulling anything: `tally check` calls Check after
// Open. Check makes the cheapest authenticated read per object (a page
// of one record, or a metadata call) and discards what it reads; it
// returns an error wrapping ErrConfig for rejected credentials.
type Checker interface {
	Check(ctx context.Context) error
}
