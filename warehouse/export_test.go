package warehouse

import "time"

// SetFailAt makes Write call fn after each of its steps (facts, kpi,
// quarantine, offsets, checkpoints) and fail with fn's error.
func SetFailAt(w *Warehouse, fn func(step string) error) { w.failAt = fn }

// SetNow replaces the clock of w.
func SetNow(w *Warehouse, now func() time.Time) { w.now = now }

// SetRekeyHook makes Rekey call fn after each committed batch; an error
// from fn stops the rekey there, as a crash would.
func SetRekeyHook(s *Subjects, fn func(table string) error) { s.rekeyHook = fn }

// PseudonymColumns returns the pseudonym columns of the table registry,
// by table.
func PseudonymColumns(w *Warehouse) map[string][]string {
	out := map[string][]string{}
	for _, p := range w.purgeables() {
		if len(p.Pseudonyms) > 0 {
			out[p.Table] = p.Pseudonyms
		}
	}
	return out
}

// SetRekeyKeyOrderOnly makes Rekey skip its by-rep pass, for comparing
// it with the key-order pass alone.
func SetRekeyKeyOrderOnly(s *Subjects, on bool) { s.rekeyKeyOrderOnly = on }
