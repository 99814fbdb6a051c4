package warehouse

import "time"

// SetFailAt makes Write call fn after each of its steps (facts, kpi,
// quarantine, offsets, checkpoints) and fail with fn's error.
func SetFailAt(w *Warehouse, fn func(step string) error) { w.failAt = fn }

// SetNow replaces the clock of w.
func SetNow(w *Warehouse, now func() time.Time) { w.now = now }
