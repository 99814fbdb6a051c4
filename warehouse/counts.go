package warehouse

import (
	"context"
	"fmt"
)

// ErasureCounts returns the number of erasure receipts per tenant: the
// erasures done, for metrics. It reads counts only, never a receipt.
func (w *Warehouse) ErasureCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := w.db.QueryContext(ctx, "SELECT tenant, COUNT(*) FROM erasure_receipts GROUP BY tenant")
	if err != nil {
		return nil, fmt.Errorf("counting erasure receipts: %w", redact(err))
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var tenant string
		var n int64
		if err := rows.Scan(&tenant, &n); err != nil {
			return nil, fmt.Errorf("counting erasure receipts: %w", redact(err))
		}
		out[tenant] = n
	}
	return out, redact(rows.Err())
}
