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
	q, args := warehouse.NewestFirst(q, tenant, limit)
	return warehouse.QueryAll(ctx, w, "reading reset history", q, args, func(scan func(...any) error) (Run, error) {
		var r Run
		var streams string
		var at, exp any
		if err := scan(&r.ID, &r.Tenant, &r.Source, &r.Object, &streams, &r.Checkpoints, &r.Seq, &r.By, &at, &exp); err != nil {
			return r, err
		}
		a, aerr := warehouse.ScanUTC(at)
		e, eerr := warehouse.ScanUTC(exp)
		if err := errors.Join(aerr, eerr, json.Unmarshal([]byte(streams), &r.Streams)); err != nil {
			return r, fmt.Errorf("reading reset %d: %w", r.ID, err)
		}
		r.At, r.Expires = a, e
		return r, nil
	})
}
