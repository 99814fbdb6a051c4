package syncruns

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse"
)

// Run is one stream's sync pass as stored in sync_runs.
type Run struct {
	ID          int64     `json:"id"`
	Tenant      string    `json:"tenant"`
	Source      string    `json:"connector"`
	Object      string    `json:"object"`
	Started     time.Time `json:"started_at"`
	Ended       time.Time `json:"ended_at"`
	Result      string    `json:"result"`
	Pulled      int64     `json:"pulled"`
	Written     int64     `json:"written"`
	Deleted     int64     `json:"deleted"`
	Quarantined int64     `json:"quarantined"`
	// ErrorKind is a short kind (transient, config, quota, outage,
	// paging_loop, …), "" when the pass completed.
	ErrorKind string `json:"error_kind,omitempty"`
	// CursorAge is how old the stream's stored checkpoint was when the
	// pass ended; nil when the stream had none.
	CursorAgeSeconds *int64 `json:"cursor_age_seconds,omitempty"`
}

// Stream returns the run's stream.
func (r Run) Stream() pipeline.Stream {
	return pipeline.Stream{Tenant: r.Tenant, Source: r.Source, Object: r.Object}
}

// KindFunc names an error's kind; nil uses StreamReport.ErrorKind.
type KindFunc func(pipeline.StreamReport) string

// Runs converts a pass report into rows, one per stream, with the
// cursor ages found in the warehouse at now.
func Runs(ctx context.Context, w *warehouse.Warehouse, rep pipeline.PassReport, kind KindFunc, now time.Time) ([]Run, error) {
	if kind == nil {
		kind = pipeline.StreamReport.ErrorKind
	}
	ages, err := cursorAges(ctx, w, now)
	var out []Run
	for _, s := range rep.Streams {
		r := Run{Tenant: s.Tenant, Source: s.Source, Object: s.Object, Started: rep.Started.UTC(), Ended: rep.Ended.UTC(),
			Result: s.Result(), Pulled: s.Pulled, Written: s.Written, Deleted: s.Deleted, Quarantined: s.Quarantined,
			ErrorKind: kind(s)}
		if a, ok := ages[s.Stream]; ok {
			secs := int64(a.Seconds())
			r.CursorAgeSeconds = &secs
		}
		out = append(out, r)
	}
	return out, err
}

// Record stores the rows of a pass report in one transaction. A cursor
// age that cannot be read is left unknown and the rows are stored all
// the same; the error is returned joined.
func Record(ctx context.Context, w *warehouse.Warehouse, rep pipeline.PassReport, kind KindFunc) error {
	if len(rep.Streams) == 0 {
		return nil
	}
	runs, ageErr := Runs(ctx, w, rep, kind, time.Now())
	db := w.DB()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording sync runs: %w", warehouse.Redact(err))
	}
	defer tx.Rollback()
	q := tx.Rebind(`INSERT INTO sync_runs (tenant, source, object, started_at, ended_at, result, pulled, written, deleted,
		quarantined, error_kind, cursor_age_seconds, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	for _, r := range runs {
		var age any
		if r.CursorAgeSeconds != nil {
			age = *r.CursorAgeSeconds
		}
		exp := r.Started.Add(w.Policy().Evidence)
		if _, err := tx.ExecContext(ctx, q, r.Tenant, r.Source, r.Object, w.TimeArg(r.Started), w.TimeArg(r.Ended), r.Result,
			r.Pulled, r.Written, r.Deleted, r.Quarantined, r.ErrorKind, age, w.TimeArg(exp)); err != nil {
			return fmt.Errorf("recording sync run of %s/%s/%s: %w", r.Tenant, r.Source, r.Object, warehouse.Redact(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording sync runs: %w", warehouse.Redact(err))
	}
	return ageErr
}

// cursorAges returns, per stream with a stored checkpoint, now minus the
// commit time of its oldest checkpoint (the one a pass resumes from).
// Only commit times are read, never a cursor's content.
func cursorAges(ctx context.Context, w *warehouse.Warehouse, now time.Time) (map[pipeline.Stream]time.Duration, error) {
	rows, err := w.DB().QueryContext(ctx, `SELECT tenant, source, object, min(updated_at) FROM sync_cursors GROUP BY tenant, source, object`)
	if err != nil {
		return nil, fmt.Errorf("reading cursor ages: %w", warehouse.Redact(err))
	}
	defer rows.Close()
	out := map[pipeline.Stream]time.Duration{}
	for rows.Next() {
		var s pipeline.Stream
		var at any
		if err := rows.Scan(&s.Tenant, &s.Source, &s.Object, &at); err != nil {
			return out, fmt.Errorf("reading cursor ages: %w", warehouse.Redact(err))
		}
		t, err := warehouse.ScanTime(at)
		if err != nil {
			return out, fmt.Errorf("reading cursor ages: %w", err)
		}
		out[s] = max(now.Sub(t), 0).Truncate(time.Second)
	}
	return out, warehouse.Redact(rows.Err())
}

// Latest returns the newest run of every stream, of tenant only when it
// is set, sorted by stream.
func Latest(ctx context.Context, w *warehouse.Warehouse, tenant string) ([]Run, error) {
	q := `SELECT id, tenant, source, object, started_at, ended_at, result, pulled, written, deleted, quarantined,
		error_kind, cursor_age_seconds FROM sync_runs WHERE id IN (SELECT max(id) FROM sync_runs`
	var args []any
	if tenant != "" {
		q += ` WHERE tenant = ?`
		args = append(args, tenant)
	}
	q += ` GROUP BY tenant, source, object) ORDER BY tenant, source, object`
	return query(ctx, w, q, args...)
}

// History returns the newest limit runs (all when limit is not
// positive), of tenant only when it is set, newest first.
func History(ctx context.Context, w *warehouse.Warehouse, tenant string, limit int) ([]Run, error) {
	q := `SELECT id, tenant, source, object, started_at, ended_at, result, pulled, written, deleted, quarantined,
		error_kind, cursor_age_seconds FROM sync_runs`
	q, args := warehouse.NewestFirst(q, tenant, limit)
	return query(ctx, w, q, args...)
}

func query(ctx context.Context, w *warehouse.Warehouse, q string, args ...any) ([]Run, error) {
	return warehouse.QueryAll(ctx, w, "reading sync runs", q, args, func(scan func(...any) error) (Run, error) {
		var r Run
		var started, ended any
		var age sql.NullInt64
		if err := scan(&r.ID, &r.Tenant, &r.Source, &r.Object, &started, &ended, &r.Result, &r.Pulled, &r.Written,
			&r.Deleted, &r.Quarantined, &r.ErrorKind, &age); err != nil {
			return r, err
		}
		s, serr := warehouse.ScanUTC(started)
		e, eerr := warehouse.ScanUTC(ended)
		if err := errors.Join(serr, eerr); err != nil {
			return r, fmt.Errorf("reading sync run %d: %w", r.ID, err)
		}
		r.Started, r.Ended = s, e
		if age.Valid {
			r.CursorAgeSeconds = &age.Int64
		}
		return r, nil
	})
}
