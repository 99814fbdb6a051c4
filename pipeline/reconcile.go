package pipeline

import (
	"context"
	"time"
)

// IDLister is implemented by sources that can list every record of an
// object that still exists at the source, so that Runner.Reconcile can
// find hard deletes: records purged without a trace a Sync could see.
type IDLister interface {
	// ListIDs calls fn with pages of the source ids of every record of
	// object that exists now. It blocks; it returns ctx.Err() (possibly
	// wrapped) promptly when ctx is done and fn's error unchanged. Other
	// errors wrap the kinds of Source.Sync (ErrQuota when the request
	// budget share is spent). A listing that returns an error is
	// incomplete: nothing may be deleted on its account. ListIDs may run
	// while Sync runs for another object, never for the same one.
	ListIDs(ctx context.Context, object string, fn func(ids []string) error) error
}

// KeyMapper is implemented by the stage that turns a record's source ID
// into the Key the sink stores (pseudonymize). Its methods do no I/O and
// are safe for concurrent use.
type KeyMapper interface {
	// KeyVersion returns the key version a stored key was made under, and
	// false for a string that is not such a key.
	KeyVersion(key string) (version int, ok bool)
	// Key returns the key of the record of (tenant, object) with source
	// id under key version version: the Key that stage gives the record
	// when version is current. It fails for an unknown object or a
	// version below 1.
	Key(tenant, object, id string, version int) (string, error)
}

// KeyLister is implemented by sinks that can list the keys of the facts
// one stream wrote.
type KeyLister interface {
	// StoredKeys calls fn with pages of the keys of every fact stored
	// for stream s, each page read by one bounded statement. A fact
	// committed while StoredKeys runs may or may not be listed. It
	// returns fn's error unchanged.
	StoredKeys(ctx context.Context, s Stream, fn func(keys []string) error) error
}

// ReconcileOptions adjust Runner.Reconcile.
type ReconcileOptions struct {
	// DryRun counts what a reconcile would delete and deletes nothing.
	DryRun bool
}

// ReconcileReport is what one reconcile of one stream found. It holds
// counts only, never an id or a key.
type ReconcileReport struct {
	Tenant string `json:"tenant"`
	Source string `json:"connector"`
	Object string `json:"object"`
	// Stored is how many facts of the stream the warehouse held when the
	// reconcile read them (before listing the source).
	Stored int `json:"stored"`
	// Listed is how many ids the source listed.
	Listed int `json:"listed"`
	// Missing is how many stored facts no listed id accounts for: the
	// hard deletes.
	Missing int `json:"missing"`
	// Deleted is how many deletes were written to the sink (0 in a dry
	// run). A fact changed at the source after the listing started is
	// kept: the delete is older than its version.
	Deleted int `json:"deleted"`
	// Unrecognized is how many stored keys the KeyMapper could not parse;
	// they are never deleted.
	Unrecognized int           `json:"unrecognized,omitempty"`
	DryRun       bool          `json:"dry_run"`
	Started      time.Time     `json:"started"`
	Duration     time.Duration `json:"duration_ns"`
}
