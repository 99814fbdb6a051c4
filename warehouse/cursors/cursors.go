package cursors

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tally-dev/tally/warehouse"
)

// Errors of Reset.
var (
	// ErrWritersRunning means a tally run process holds the warehouse's
	// writer lock: stop it, reset, start it again.
	ErrWritersRunning = errors.New("a tally run process is writing to this warehouse (it holds the writer lock); stop it, reset, then start it again")
	// ErrTerminated means the tenant has a termination on record: its
	// connectors no longer run and its data is being deleted.
	ErrTerminated = errors.New("tenant is terminated; its connectors no longer run (cancel the termination first)")
)

// Filter selects the streams of one connector of one tenant, or one
// object of it.
type Filter struct {
	Tenant string
	// Source is the connector's instance name (its name, else its kind).
	Source string
	// Object, when set, keeps that object's stream only.
	Object string
}

func (f Filter) validate() error {
	if f.Tenant == "" || f.Source == "" {
		return errors.New("tenant and connector are required")
	}
	return nil
}

// Stream is the stored state of one stream's checkpoints: one per
// partition of its raw topic that has committed one.
type Stream struct {
	Object     string `json:"object"`
	Partitions int    `json:"partitions"`
	// Cleared is how many of them hold no cursor (cleared by a reset and
	// not yet replaced by a pass): the stream starts from its beginning.
	Cleared int `json:"cleared"`
	// Oldest and Newest are when the oldest and newest were committed.
	Oldest time.Time `json:"oldest_committed_at"`
	Newest time.Time `json:"newest_committed_at"`
}

// Plan is what a reset of a Filter covers.
type Plan struct {
	Streams     []Stream `json:"streams"`
	Checkpoints int      `json:"checkpoints"`
}

// Inspect returns the stored checkpoints f selects, by object.
func Inspect(ctx context.Context, w *warehouse.Warehouse, f Filter) (Plan, error) {
	if err := f.validate(); err != nil {
		return Plan{}, err
	}
	return inspect(ctx, w.DB(), f)
}

// queryer is a pool or a transaction.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	Rebind(query string) string
}

func (f Filter) where() (string, []any) {
	preds := []string{"tenant = ?", "source = ?"}
	args := []any{f.Tenant, f.Source}
	if f.Object != "" {
		preds = append(preds, "object = ?")
		args = append(args, f.Object)
	}
	return " WHERE " + strings.Join(preds, " AND "), args
}

func inspect(ctx context.Context, q queryer, f Filter) (Plan, error) {
	pred, args := f.where()
	// Only the emptiness of a cursor is read, never its content.
	rows, err := q.QueryContext(ctx, q.Rebind(`SELECT object, count(*), sum(CASE WHEN cursor = '' THEN 1 ELSE 0 END),
		min(updated_at), max(updated_at) FROM sync_cursors`+pred+` GROUP BY object ORDER BY object`), args...)
	if err != nil {
		return Plan{}, fmt.Errorf("reading cursors of %s/%s: %w", f.Tenant, f.Source, warehouse.Redact(err))
	}
	defer rows.Close()
	p := Plan{Streams: []Stream{}}
	for rows.Next() {
		var s Stream
		var oldest, newest any
		if err := rows.Scan(&s.Object, &s.Partitions, &s.Cleared, &oldest, &newest); err != nil {
			return Plan{}, fmt.Errorf("reading cursors of %s/%s: %w", f.Tenant, f.Source, warehouse.Redact(err))
		}
		o, oerr := warehouse.ScanTime(oldest)
		n, nerr := warehouse.ScanTime(newest)
		if err := errors.Join(oerr, nerr); err != nil {
			return Plan{}, fmt.Errorf("reading cursors of %s/%s: %w", f.Tenant, f.Source, err)
		}
		s.Oldest, s.Newest = o.UTC(), n.UTC()
		p.Streams = append(p.Streams, s)
		p.Checkpoints += s.Partitions
	}
	if err := rows.Err(); err != nil {
		return Plan{}, fmt.Errorf("reading cursors of %s/%s: %w", f.Tenant, f.Source, warehouse.Redact(err))
	}
	return p, nil
}

// Options adjust Reset.
type Options struct {
	// By names who asked for the reset, for the evidence.
	By string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Run is the evidence of one confirmed reset, as stored in reset_runs.
type Run struct {
	ID     int64  `json:"id"`
	Tenant string `json:"tenant"`
	Source string `json:"connector"`
	// Object is the object the reset was limited to, "" for all.
	Object      string    `json:"object,omitempty"`
	Streams     []Stream  `json:"streams"`
	Checkpoints int       `json:"checkpoints"`
	Seq         int64     `json:"seq"`
	By          string    `json:"requested_by"`
	At          time.Time `json:"reset_at"`
	Expires     time.Time `json:"expires_at"`
}

// Reset clears the checkpoints f selects in one transaction, together
// with the evidence row, and returns the evidence. It fails with
// ErrWritersRunning while a tally run holds the writer lock and with
// ErrTerminated for a terminated tenant. With nothing to clear it
// changes and records nothing and returns a Run with ID 0.
func Reset(ctx context.Context, w *warehouse.Warehouse, f Filter, o Options) (Run, error) {
	if err := f.validate(); err != nil {
		return Run{}, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	release, ok, err := w.LockWritersExclusive(ctx)
	if err != nil {
		return Run{}, fmt.Errorf("resetting cursors: %w", err)
	}
	if !ok {
		return Run{}, ErrWritersRunning
	}
	defer release()
	terminated, err := w.Terminated(ctx)
	if err != nil {
		return Run{}, fmt.Errorf("resetting cursors: %w", err)
	}
	if terminated[f.Tenant] {
		return Run{}, fmt.Errorf("resetting cursors of %s: %w", f.Tenant, ErrTerminated)
	}
	tx, err := w.DB().BeginTxx(ctx, nil)
	if err != nil {
		return Run{}, fmt.Errorf("resetting cursors: %w", warehouse.Redact(err))
	}
	defer tx.Rollback()
	run, err := reset(ctx, w, tx, f, o)
	if err != nil || run.ID == 0 {
		return run, err
	}
	if err := tx.Commit(); err != nil {
		return Run{}, fmt.Errorf("resetting cursors: %w", warehouse.Redact(err))
	}
	return run, nil
}

func reset(ctx context.Context, w *warehouse.Warehouse, tx *sqlx.Tx, f Filter, o Options) (Run, error) {
	pred, args := f.where()
	if w.Driver() == warehouse.Postgres {
		// Lock the stream's rows first so that the Seq watermark is above
		// every Seq a concurrent commit could still store.
		if _, err := tx.ExecContext(ctx, tx.Rebind(`SELECT 1 FROM sync_cursors`+pred+` FOR UPDATE`), args...); err != nil {
			return Run{}, fmt.Errorf("resetting cursors: %w", warehouse.Redact(err))
		}
	}
	plan, err := inspect(ctx, tx, f)
	if err != nil || plan.Checkpoints == 0 {
		return Run{Tenant: f.Tenant, Source: f.Source, Object: f.Object, Streams: plan.Streams}, err
	}
	now := o.Now().UTC()
	var maxSeq sql.NullInt64
	if err := tx.QueryRowContext(ctx, tx.Rebind(`SELECT max(seq) FROM sync_cursors`+pred), args...).Scan(&maxSeq); err != nil {
		return Run{}, fmt.Errorf("resetting cursors: %w", warehouse.Redact(err))
	}
	run := Run{Tenant: f.Tenant, Source: f.Source, Object: f.Object, Streams: plan.Streams, Checkpoints: plan.Checkpoints,
		Seq: max(now.UnixNano(), maxSeq.Int64+1), By: o.By, At: now, Expires: now.Add(w.Policy().Evidence)}
	upd := append([]any{run.Seq, w.TimeArg(now)}, args...)
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE sync_cursors SET cursor = '', seq = ?, updated_at = ?`+pred), upd...); err != nil {
		return Run{}, fmt.Errorf("resetting cursors: %w", warehouse.Redact(err))
	}
	streams, err := json.Marshal(run.Streams)
	if err != nil {
		return Run{}, fmt.Errorf("resetting cursors: %w", err)
	}
	if err := tx.QueryRowContext(ctx, tx.Rebind(`INSERT INTO reset_runs (tenant, source, object, streams, checkpoints, seq,
		requested_by, reset_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		run.Tenant, run.Source, run.Object, string(streams), run.Checkpoints, run.Seq, run.By,
		w.TimeArg(now), w.TimeArg(run.Expires)).Scan(&run.ID); err != nil {
		return Run{}, fmt.Errorf("recording reset evidence: %w", warehouse.Redact(err))
	}
	return run, nil
}
