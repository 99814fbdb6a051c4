package warehouse

import (
	"context"
	"fmt"
	"strings"
)

// SetLegacyWrites makes Write on PostgreSQL use the array statements it
// used before COPY staging (benchmarks compare both paths in one run).
func SetLegacyWrites(on bool) { legacyWrites.Store(on) }

// CopyRoundTrip COPYs rows of text values (nil is NULL) into a new
// temporary table of one text column per value with copyIn, in a
// transaction it rolls back, and returns the rows as read back in order.
func CopyRoundTrip(ctx context.Context, w *Warehouse, rows [][]any) ([][]*string, error) {
	tx, err := w.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.rollback()
	var cols, defs []string
	for i := range rows[0] {
		cols = append(cols, fmt.Sprintf("c%d", i))
		defs = append(defs, fmt.Sprintf("c%d text", i))
	}
	if _, err := tx.exec(ctx, "CREATE TEMP TABLE copy_round_trip (n serial, "+strings.Join(defs, ", ")+") ON COMMIT DROP"); err != nil {
		return nil, err
	}
	if err := tx.copyIn(ctx, "copy_round_trip", cols, rows); err != nil {
		return nil, err
	}
	rs, err := tx.query(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM copy_round_trip ORDER BY n")
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out [][]*string
	for rs.Next() {
		row := make([]*string, len(cols))
		dst := make([]any, len(cols))
		for i := range row {
			dst[i] = &row[i]
		}
		if err := rs.Scan(dst...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rs.Err()
}
