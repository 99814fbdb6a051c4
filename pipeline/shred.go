package pipeline

import (
	"context"
	"errors"
	"fmt"
)

// Shredder is per-subject crypto-shredding of raw messages: the personal
// fields of a record are encrypted with a data key of the record's
// subject before the record is published, and decrypted after it is
// consumed. Erasing a subject deletes its data key, which makes every
// raw copy of its personal fields unreadable at once, whatever the
// topic's retention.
//
// Seal encrypts, in place, the personal fields of recs (Tenant, Source
// and Object are set) and creates missing data keys; it is called by the
// connector's emitter before encoding. Open decrypts the personal fields
// of one decoded record in place; it returns an error wrapping ErrDrop
// when the subject's key is gone (erased), and ErrInvalid when a sealed
// value is malformed. Both may be called concurrently; errors never hold
// a value.
type Shredder interface {
	Seal(ctx context.Context, recs []Record) error
	Open(ctx context.Context, r *Record) error
}

// seal runs the runner's Shredder over a page, if one is set.
func (r *Runner) seal(ctx context.Context, recs []Record) error {
	if r.Shredder == nil || len(recs) == 0 {
		return nil
	}
	if err := r.Shredder.Seal(ctx, recs); err != nil {
		return fmt.Errorf("sealing personal fields: %w", err)
	}
	return nil
}

// open runs the runner's Shredder over a consumed record. A shredded
// record (ErrDrop) counts as dropped; a malformed one is quarantined by
// the caller; anything else fails the batch.
func (r *Runner) open(ctx context.Context, rec *Record) error {
	if r.Shredder == nil {
		return nil
	}
	err := r.Shredder.Open(ctx, rec)
	if err == nil || errors.Is(err, ErrDrop) || errors.Is(err, ErrInvalid) {
		return err
	}
	return fmt.Errorf("opening sealed fields: %w", err)
}
