package warehouse

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors of tenant termination.
var (
	// ErrNotTerminated means the tenant has no pending termination.
	ErrNotTerminated = errors.New("tenant has no pending termination")
	// ErrGraceOver means the grace period has passed: the deletion can
	// no longer be cancelled.
	ErrGraceOver = errors.New("grace period is over")
)

// Termination is a tenant's recorded termination.
type Termination struct {
	Tenant    string
	Requested time.Time
	// PurgeAfter is the end of the grace period: the first purge after
	// it deletes every row of the tenant.
	PurgeAfter time.Time
	// Completed is when a purge deleted the tenant's rows (zero while
	// pending), RowsDeleted how many.
	Completed   time.Time
	RowsDeleted int64
}

// Pending reports whether the tenant's rows are still to be deleted.
func (t Termination) Pending() bool { return t.Completed.IsZero() }

// TenantDeletion is what a purge deleted for one terminated tenant.
type TenantDeletion struct {
	Tenant string           `json:"tenant"`
	Rows   map[string]int64 `json:"rows"` // table → rows deleted
	// Verified is true when no table held a row of the tenant after
	// the deletion.
	Verified bool `json:"verified"`
}

// TerminateTenant records that tenant is terminated: its connectors stop
// (see Terminated) and the first purge after now+grace deletes every row
// of the tenant in every table. Terminating a tenant again while its
// termination is pending keeps the original dates.
func (w *Warehouse) TerminateTenant(ctx context.Context, tenant string, grace time.Duration) (Termination, error) {
	if tenant == "" || grace < 0 {
		return Termination{}, errors.New("terminating tenant: tenant is required and grace must not be negative")
	}
	now := w.now().UTC()
	if _, err := w.Exec(ctx, `INSERT INTO tenant_terminations (tenant, requested_at, purge_after) VALUES (?, ?, ?)
		ON CONFLICT (tenant) DO UPDATE SET requested_at = excluded.requested_at, purge_after = excluded.purge_after,
		completed_at = NULL, rows_deleted = 0, expires_at = NULL
		WHERE tenant_terminations.completed_at IS NOT NULL`,
		tenant, w.d.timeArg(now), w.d.timeArg(now.Add(grace))); err != nil {
		return Termination{}, fmt.Errorf("terminating tenant %s: %w", tenant, err)
	}
	ts, err := w.terminations(ctx, "tenant = ?", tenant)
	if err != nil || len(ts) == 0 {
		return Termination{}, errors.Join(err, fmt.Errorf("terminating tenant %s: record not found", tenant))
	}
	return ts[0], nil
}

// CancelTermination withdraws a pending termination within its grace
// period. It returns ErrNotTerminated or ErrGraceOver otherwise.
func (w *Warehouse) CancelTermination(ctx context.Context, tenant string) error {
	n, err := w.Exec(ctx, "DELETE FROM tenant_terminations WHERE tenant = ? AND completed_at IS NULL AND purge_after > ?",
		tenant, w.d.timeArg(w.now().UTC()))
	if err != nil {
		return fmt.Errorf("cancelling termination of %s: %w", tenant, err)
	}
	if n > 0 {
		return nil
	}
	ts, err := w.terminations(ctx, "tenant = ? AND completed_at IS NULL", tenant)
	if err != nil {
		return err
	}
	if len(ts) > 0 {
		return fmt.Errorf("cancelling termination of %s: %w", tenant, ErrGraceOver)
	}
	return fmt.Errorf("cancelling termination of %s: %w", tenant, ErrNotTerminated)
}

// Terminations returns every recorded termination, pending ones first,
// then by tenant.
func (w *Warehouse) Terminations(ctx context.Context) ([]Termination, error) {
	return w.terminations(ctx, "")
}

// Terminated returns the set of tenants with a termination on record,
// pending or completed: their connectors must not run.
func (w *Warehouse) Terminated(ctx context.Context) (map[string]bool, error) {
	ts, err := w.terminations(ctx, "")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, t := range ts {
		out[t.Tenant] = true
	}
	return out, nil
}

func (w *Warehouse) terminations(ctx context.Context, pred string, args ...any) ([]Termination, error) {
	q := "SELECT tenant, requested_at, purge_after, completed_at, rows_deleted FROM tenant_terminations"
	if pred != "" {
		q += " WHERE " + pred
	}
	rows, err := w.db.QueryContext(ctx, w.db.Rebind(q+" ORDER BY completed_at IS NOT NULL, tenant"), args...)
	if err != nil {
		return nil, fmt.Errorf("reading terminations: %w", redact(err))
	}
	defer rows.Close()
	var out []Termination
	for rows.Next() {
		var t Termination
		var req, after, done any
		if err := rows.Scan(&t.Tenant, &req, &after, &done, &t.RowsDeleted); err != nil {
			return nil, fmt.Errorf("reading terminations: %w", redact(err))
		}
		for _, tv := range []struct {
			v   any
			dst *time.Time
		}{{req, &t.Requested}, {after, &t.PurgeAfter}, {done, &t.Completed}} {
			if tv.v == nil {
				continue
			}
			if *tv.dst, err = dbTime(tv.v); err != nil {
				return nil, fmt.Errorf("reading terminations: %w", err)
			}
			*tv.dst = tv.dst.UTC()
		}
		out = append(out, t)
	}
	return out, redact(rows.Err())
}

// terminate deletes, for every tenant whose grace period ended before
// cutoff, its rows in every table that has tenant data, verifies that
// none is left and marks the termination completed. A dry run counts.
func (w *Warehouse) terminate(ctx context.Context, run *PurgeRun, cutoff time.Time, o PurgeOptions) ([]TenantDeletion, error) {
	due, err := w.terminations(ctx, "completed_at IS NULL AND purge_after <= ?", w.d.timeArg(cutoff))
	if err != nil {
		return nil, err
	}
	var out []TenantDeletion
	var errs []error
	for _, t := range due {
		td, err := w.deleteTenant(ctx, t.Tenant, o)
		out = append(out, td)
		if err != nil {
			errs = append(errs, fmt.Errorf("deleting tenant %s: %w", t.Tenant, err))
			continue
		}
		if o.DryRun || !td.Verified {
			continue
		}
		var total int64
		for _, n := range td.Rows {
			total += n
		}
		if _, err := w.Exec(ctx, "UPDATE tenant_terminations SET completed_at = ?, rows_deleted = ?, expires_at = ? WHERE tenant = ?",
			w.d.timeArg(cutoff), total, w.d.timeArg(cutoff.Add(w.policy.Evidence)), t.Tenant); err != nil {
			errs = append(errs, fmt.Errorf("completing termination of %s: %w", t.Tenant, err))
		}
	}
	return out, errors.Join(errs...)
}

// deleteTenant deletes (or, dry, counts) tenant's rows in every table
// that has tenant data, in batches, then checks that none is left.
func (w *Warehouse) deleteTenant(ctx context.Context, tenant string, o PurgeOptions) (TenantDeletion, error) {
	td := TenantDeletion{Tenant: tenant, Rows: map[string]int64{}}
	left := int64(0)
	for _, pt := range w.purgeables() {
		pred, args := pt.tenantPred(tenant, o)
		if pred == "" {
			continue
		}
		if ok, err := w.tableExists(ctx, pt.Table); err != nil || !ok {
			if err != nil {
				return td, err
			}
			continue
		}
		leaves, err := w.leaves(ctx, pt)
		if err != nil {
			return td, err
		}
		for _, leaf := range leaves {
			var n int64
			if o.DryRun {
				n, err = w.count(ctx, leaf, pred, args...)
			} else {
				n, err = w.deleteBatches(ctx, leaf, pred, args, o)
			}
			td.Rows[pt.Table] += n
			if err != nil {
				return td, err
			}
		}
		if !o.DryRun {
			n, err := w.count(ctx, pt.Table, pred, args...)
			if err != nil {
				return td, err
			}
			left += n
		}
	}
	td.Verified = !o.DryRun && left == 0
	return td, nil
}
