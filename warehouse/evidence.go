package warehouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Purge run statuses.
const (
	StatusRunning     = "running"
	StatusDone        = "done"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
	// StatusAbandoned marks a run that never finished (its process was
	// killed); the next run that takes the lock sets it.
	StatusAbandoned = "abandoned"
)

// PurgeRun is the evidence of one purge: what it removed, under which
// policy, and whether the verification found no expired row left.
type PurgeRun struct {
	ID       int64     `json:"id"`
	Started  time.Time `json:"started_at"`
	Finished time.Time `json:"finished_at"`
	// Cutoff is the instant rows had to expire before to be purged.
	Cutoff  time.Time        `json:"cutoff"`
	Status  string           `json:"status"`
	DryRun  bool             `json:"dry_run"`
	Policy  Policy           `json:"policy"`
	Tables  []TableResult    `json:"tables"`
	Tenants []TenantDeletion `json:"tenants,omitempty"`
	// Verified is true when, after the run, no purged table held a row
	// with expires_at before Cutoff; nil when it was not checked.
	Verified *bool  `json:"verified,omitempty"`
	Error    string `json:"error,omitempty"`
}

// TableResult is what a purge did to one table.
type TableResult struct {
	Table             string `json:"table"`
	PartitionsDropped int    `json:"partitions_dropped"`
	// RowsDropped were in the dropped partitions; RowsDeleted were
	// deleted in batches. With DryRun both are what would be removed.
	RowsDropped int64 `json:"rows_dropped"`
	RowsDeleted int64 `json:"rows_deleted"`
	// Remaining is the number of rows still expired after the run (0
	// when verified); OldestRemaining the lowest expires_at left.
	Remaining       int64      `json:"remaining_expired"`
	OldestRemaining *time.Time `json:"oldest_remaining_expires_at,omitempty"`
	Error           string     `json:"error,omitempty"`
}

// Removed is the number of rows the run removed from the table.
func (t TableResult) Removed() int64 { return t.RowsDropped + t.RowsDeleted }

// evidenceDetails is the JSON document stored in purge_runs.details.
type evidenceDetails struct {
	Cutoff  time.Time        `json:"cutoff"`
	Tables  []TableResult    `json:"tables"`
	Tenants []TenantDeletion `json:"tenants,omitempty"`
}

// startRun records the run as running; a row left running by a killed
// process (this one holds the lock) is marked abandoned first.
func (w *Warehouse) startRun(ctx context.Context, run *PurgeRun) error {
	if _, err := w.Exec(ctx, "UPDATE purge_runs SET status = ? WHERE status = ?", StatusAbandoned, StatusRunning); err != nil {
		return fmt.Errorf("recording purge run: %w", err)
	}
	policy, err := json.Marshal(run.Policy)
	if err != nil {
		return fmt.Errorf("recording purge run: %w", err)
	}
	exp := run.Started.Add(w.policy.Evidence)
	q := "INSERT INTO purge_runs (started_at, status, dry_run, policy, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id"
	if err := w.db.QueryRowContext(ctx, w.db.Rebind(q), w.d.timeArg(run.Started), run.Status, run.DryRun, string(policy),
		w.d.timeArg(exp)).Scan(&run.ID); err != nil {
		return fmt.Errorf("recording purge run: %w", redact(err))
	}
	return nil
}

// verify re-counts, per purged table, the rows that expired before the
// cutoff and finds the oldest expiry left, and sets run.Verified. Both
// come from the table's expires_at index (on PostgreSQL pruned to the
// partitions whose range reaches below the cutoff), in one statement per
// table.
func (w *Warehouse) verify(ctx context.Context, run *PurgeRun) error {
	ok := true
	for i := range run.Tables {
		tr := &run.Tables[i]
		if tr.Error != "" {
			ok = false
		}
		if run.DryRun {
			continue
		}
		q := "SELECT (SELECT count(*) FROM " + tr.Table + " WHERE expires_at < ?), (SELECT min(expires_at) FROM " + tr.Table + ")"
		var oldest any
		if err := w.db.QueryRowContext(ctx, w.db.Rebind(q), w.d.timeArg(run.Cutoff)).Scan(&tr.Remaining, &oldest); err != nil {
			return fmt.Errorf("verifying purge of %s: %w", tr.Table, redact(err))
		}
		if oldest != nil {
			t, err := dbTime(oldest)
			if err != nil {
				return fmt.Errorf("verifying purge of %s: %w", tr.Table, err)
			}
			t = t.UTC()
			tr.OldestRemaining = &t
		}
		if tr.Remaining > 0 {
			ok = false
		}
	}
	for _, td := range run.Tenants {
		if !td.Verified {
			ok = false
		}
	}
	if !run.DryRun {
		run.Verified = &ok
	}
	return nil
}

// finishRun sets the final status and stores the evidence; err is the
// run's joined failures, returned with any failure to store.
func (w *Warehouse) finishRun(ctx context.Context, run *PurgeRun, err error) error {
	run.Finished = w.now().UTC()
	switch {
	case ctx.Err() != nil:
		run.Status = StatusInterrupted
		err = errors.Join(err, ctx.Err())
	case err != nil, run.Verified != nil && !*run.Verified:
		run.Status = StatusFailed
	default:
		run.Status = StatusDone
	}
	if err != nil {
		run.Error = err.Error()
	}
	if run.DryRun {
		return err
	}
	details, jerr := json.Marshal(evidenceDetails{Cutoff: run.Cutoff, Tables: run.Tables, Tenants: run.Tenants})
	if jerr != nil {
		return errors.Join(err, jerr)
	}
	// The evidence of an interrupted run is stored all the same.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var verified any
	if run.Verified != nil {
		verified = *run.Verified
	}
	if _, serr := w.Exec(sctx, "UPDATE purge_runs SET finished_at = ?, status = ?, details = ?, verified = ?, error = ? WHERE id = ?",
		w.d.timeArg(run.Finished), run.Status, string(details), verified, run.Error, run.ID); serr != nil {
		err = errors.Join(err, fmt.Errorf("storing purge evidence: %w", serr))
	}
	return err
}

// PurgeHistory returns the newest limit purge runs, newest first.
func (w *Warehouse) PurgeHistory(ctx context.Context, limit int) ([]PurgeRun, error) {
	rows, err := w.db.QueryContext(ctx, w.db.Rebind(`SELECT id, started_at, finished_at, status, dry_run, policy, details, verified, error
		FROM purge_runs ORDER BY id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("reading purge history: %w", redact(err))
	}
	defer rows.Close()
	var out []PurgeRun
	for rows.Next() {
		var r PurgeRun
		var started, finished any
		var policy, details string
		var verified sql.NullBool
		if err := rows.Scan(&r.ID, &started, &finished, &r.Status, &r.DryRun, &policy, &details, &verified, &r.Error); err != nil {
			return nil, fmt.Errorf("reading purge history: %w", redact(err))
		}
		if r.Started, err = dbTime(started); err != nil {
			return nil, fmt.Errorf("reading purge history: %w", err)
		}
		if finished != nil {
			if r.Finished, err = dbTime(finished); err != nil {
				return nil, fmt.Errorf("reading purge history: %w", err)
			}
		}
		if verified.Valid {
			r.Verified = &verified.Bool
		}
		var d evidenceDetails
		if err := errors.Join(json.Unmarshal([]byte(policy), &r.Policy), json.Unmarshal([]byte(details), &d)); err != nil {
			return nil, fmt.Errorf("reading purge run %d: %w", r.ID, err)
		}
		r.Cutoff, r.Tables, r.Tenants = d.Cutoff, d.Tables, d.Tenants
		out = append(out, r)
	}
	return out, redact(rows.Err())
}
