package warehouse

import (
	"context"
	"sync"
	"time"
)

// analyzeEvery is how many rows a table may grow by before tally
// refreshes its planner statistics; past that it waits until the rows
// inserted since the last ANALYZE are half of those inserted since the
// warehouse was opened (the table doubled, when it was loaded from
// empty). tally does not rely on autovacuum, because a table loaded from
// empty without statistics gets sequential scans where it needs index
// lookups, and every batch then reads the whole table.
//
// Doubling is enough: the planner scales a table's row estimate by its
// current size (rows per page times pages), and a key column's distinct
// count is stored as a fraction of the rows, so statistics only go stale
// in ways that change plans when the table's shape changes, not its
// size. Each ANALYZE samples up to 30,000 rows of the table; refreshing
// at every fifth (the autovacuum-like rule used before) ran 17 of them
// on a 1M-row partition instead of 6, ≈ 14 % of PostgreSQL's CPU in a
// CSV load (BENCHMARKS.md).
const analyzeEvery = 20000

// analyzer tracks rows inserted per table since its last ANALYZE.
type analyzer struct {
	mu      sync.Mutex
	pending map[string]int64 // rows inserted since the last ANALYZE
	size    map[string]int64 // rows inserted since the warehouse was opened
	running map[string]bool
}

// note records rows inserted by a committed transaction and returns the
// tables due for ANALYZE, marking them running.
func (a *analyzer) note(inserted map[string]int64) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pending == nil {
		a.pending, a.size, a.running = map[string]int64{}, map[string]int64{}, map[string]bool{}
	}
	var due []string
	for t, n := range inserted {
		a.pending[t] += n
		a.size[t] += n
		if !a.running[t] && a.pending[t] >= max(analyzeEvery, a.size[t]/2) {
			a.pending[t] = 0
			a.running[t] = true
			due = append(due, t)
		}
	}
	return due
}

func (a *analyzer) done(table string) {
	a.mu.Lock()
	a.running[table] = false
	a.mu.Unlock()
}

// analyze refreshes the statistics of tables that grew, after a commit,
// on PostgreSQL. Failures are logged, not returned: the data is
// committed, only the plans may stay slow.
func (w *Warehouse) analyze(inserted map[string]int64) {
	if w.d.name != Postgres || len(inserted) == 0 {
		return
	}
	for _, t := range w.analyzer.note(inserted) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if _, err := w.db.ExecContext(ctx, "ANALYZE "+t); err != nil {
			w.log.Warn("refreshing planner statistics", "table", t, "error", redact(err))
		}
		cancel()
		w.analyzer.done(t)
	}
}
