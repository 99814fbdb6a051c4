package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// errOutage marks a sink failure that no record caused: the warehouse is
// unreachable or refuses every transaction (permissions, a missing table,
// a full disk), which retry rides out.
var errOutage = errors.New("warehouse refuses every batch")

// write commits b, riding out warehouse outages (see retry), and never
// gets stuck on a record.
//
// When the sink rejects the batch because of its records — a data error
// (ErrInvalid, e.g. SQLSTATE 22021 for a NUL in a text value) or another
// error an empty batch does not provoke — write splits the records in
// halves until it finds the ones at fault, commits every good half as a
// batch of its own, and finally commits the quarantine rows (b's and the
// records at fault, which are moved from b.Records to b.Quarantine) with
// b's offsets and checkpoints. Only that last transaction moves the
// offsets, so a crash in the middle of a split replays the whole batch:
// the halves committed before it are versioned upserts and deletes,
// which the sink applies idempotently, and no quarantine row was written
// yet, so nothing is lost or counted twice.
//
// A failure that an empty batch provokes too is an outage, never a
// reason to quarantine. Data errors are never retried as transient.
func (r *Runner) write(ctx context.Context, b *Batch) error {
	err := r.commit(ctx, *b)
	if err == nil || !recordCaused(err) {
		return err
	}
	good, bad, err := r.isolate(ctx, b.Records, err)
	if err != nil {
		return err
	}
	for _, i := range bad {
		b.Quarantine = append(b.Quarantine, i.q)
		r.Stats.Stream(b.Records[i.index].Stream()).AddQuarantine(i.q.Stage, i.q.Field, i.q.Rule)
		r.Logger.Warn("record rejected by the warehouse; quarantined",
			"record", b.Records[i.index], "field", i.q.Field, "rule", i.q.Rule)
	}
	b.Records = good
	final := Batch{Quarantine: b.Quarantine, Offsets: b.Offsets, Checkpoints: b.Checkpoints}
	err = r.commit(ctx, final)
	if err != nil && recordCaused(err) && len(final.Checkpoints) > 0 {
		// A connector cursor the warehouse refuses: the connector resumes
		// from its previous checkpoint, which re-pulls, harmlessly.
		r.Logger.Warn("checkpoint rejected by the warehouse; the connector resumes from its previous one",
			"error", err)
		final.Checkpoints = nil
		err = r.commit(ctx, final)
	}
	return err
}

// rejected is a record found at fault by isolate.
type rejected struct {
	index int
	q     Quarantined
}

// isolate commits recs (without offsets) half by half, given that
// committing all of them failed with failure, and returns the records
// committed and those at fault, or the first error that no record caused.
func (r *Runner) isolate(ctx context.Context, recs []Record, failure error) (good []Record, bad []rejected, err error) {
	var split func(lo, hi int, failure error) error
	split = func(lo, hi int, failure error) error {
		if hi-lo == 1 {
			bad = append(bad, rejected{index: lo, q: sinkQuarantine(recs[lo], failure)})
			return nil
		}
		mid := (lo + hi) / 2
		for _, h := range [][2]int{{lo, mid}, {mid, hi}} {
			err := r.commit(ctx, Batch{Records: recs[h[0]:h[1]]})
			switch {
			case err == nil:
				good = append(good, recs[h[0]:h[1]]...)
			case recordCaused(err):
				if err := split(h[0], h[1], err); err != nil {
					return err
				}
			default:
				return err
			}
		}
		return nil
	}
	if len(recs) == 0 {
		return nil, nil, nil // the quarantine rows or checkpoints failed: see write
	}
	err = split(0, len(recs), failure)
	return good, bad, err
}

// commit writes one batch, retrying for as long as the failure is an
// outage. A failure that is neither transient nor a data error is tried
// against an empty batch: if that fails too, no record caused it.
func (r *Runner) commit(ctx context.Context, b Batch) error {
	return r.retry(ctx, &r.out.warehouse, isOutage, func(ctx context.Context) error {
		err := r.Sink.Write(ctx, b)
		if err == nil || errors.Is(err, ErrInvalid) || errors.Is(err, ErrTransient) || ctx.Err() != nil {
			return err
		}
		// A statement timeout of the sink's own is an outage too.
		if errors.Is(err, ErrConfig) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %w", errOutage, err)
		}
		if perr := r.Sink.Write(ctx, Batch{}); perr != nil {
			return fmt.Errorf("%w: %w", errOutage, err)
		}
		return err
	})
}

// isOutage is the retry policy of writes.
func isOutage(err error) bool {
	return (errors.Is(err, ErrTransient) || errors.Is(err, errOutage)) && !errors.Is(err, ErrInvalid)
}

// recordCaused reports whether err, returned by commit, may be caused by
// a batch's records.
func recordCaused(err error) bool {
	var oe *OutageError
	return !isOutage(err) && !errors.As(err, &oe) && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded)
}

// sinkQuarantine is the quarantine row of a record the sink refused:
// the field and rule the sink's error names (a *FieldError, such as the
// warehouse's data errors "sql_22021"), else its Rule() if it has one,
// else the rule "sink_error".
func sinkQuarantine(rec Record, err error) Quarantined {
	q := Quarantined{Tenant: rec.Tenant, Source: rec.Source, Object: rec.Object, Stage: "sink",
		Rule: "sink_error", Position: rec.Position, At: time.Now().UTC()}
	var fe *FieldError
	var ruled interface{ Rule() string }
	switch {
	case errors.As(err, &fe):
		q.Field, q.Rule = fe.Field, fe.Rule
	case errors.As(err, &ruled):
		q.Rule = ruled.Rule()
	}
	return q
}
