package cursors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tally-dev/tally/warehouse"
)

// History returns the recorded resets, newest first: of tenant only
// when it is set, at most limit (all when limit is not positive).
func History(ctx context.Context, w *warehouse.Warehouse, tenant string, limit int) ([]Run, error) {
	q := `SELECT id, tenant, source, object, streams, checkpoints, seq, requested_by, reset_at, expires_at FROM reset_runs`
	var args []any
	if tenant != "" {
		q += ` WHERE tenant = ?`
		args = append(args, tenant)
	}
	q += ` ORDER BY id DESC`
	if limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, limit)
	}
	db := w.DB()
	rows, err := db.QueryContext(ctx, db.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("reading reset history: %w", warehouse.Redact(err))
	}
	defer rows.Close()
	out := []Run{}
	for rows.Next() {
		var r Run
		var streams string
		var at, exp any
		if err := rows.Scan(&r.ID, &r.Tenant, &r.Source, &r.Object, &streams, &r.Checkpoints, &r.Seq, &r.By, &at, &exp); err != nil {
			return nil, fmt.Errorf("reading reset history: %w", warehouse.Redact(err))
		}
		a, aerr := warehouse.ScanTime(at)
		e, eerr := warehouse.ScanTime(exp)
		if err := errors.Join(aerr, eerr, json.Unmarshal([]byte(streams), &r.Streams)); err != nil {
			return nil, fmt.Errorf("reading reset %d: %w", r.ID, err)
		}
		r.At, r.Expires = a.UTC(), e.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading reset history: %w", warehouse.Redact(err))
	}
	return out, nil
}
