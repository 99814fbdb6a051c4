package warehouse

import (
	"context"
	"time"
)

// SetPurgeHook makes Purge call fn after each committed batch ("batch")
// and partition drop ("partition").
func SetPurgeHook(w *Warehouse, fn func(step string)) { w.purgeHook = fn }

// EnsurePartitions creates the partitions of table covering [from, to].
func EnsurePartitions(w *Warehouse, table string, from, to time.Time) error {
	return w.ensurePartitions(context.Background(), table, from, to)
}
