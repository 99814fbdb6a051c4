package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// brinPagesPerRange is the pages_per_range of kpi_daily's BRIN index
// (migration 0012): one summary per 32 pages, about 1,000 rollups.
const brinPagesPerRange = 32

// brinIndexes selects the BRIN indexes (x.indexrelid) of the tables
// named by $1, resolved in the search path.
const brinIndexes = `FROM unnest($1::text[]) AS t(name)
JOIN pg_index x ON x.indrelid = to_regclass(t.name)
JOIN pg_class c ON c.oid = x.indexrelid
JOIN pg_am a ON a.oid = c.relam AND a.amname = 'brin'`

// summarizeBRIN summarizes the page ranges of the tables' BRIN indexes
// (kpi_daily's expires_at, migration 0012) that no summary covers yet:
// pages appended since the index was built or last summarized, which a
// bitmap scan of the index must otherwise read whole. With autovacuum
// off nothing else summarizes them; the cost is one read of those pages,
// which each purge does once.
//
// With fresh, every range is first desummarized, so that the summaries
// describe the row versions there now: a summary only ever widens (see
// refreshBRIN). That costs one read of the tables.
//
// A failure (the user does not own the indexes, a lock not granted in
// time) is logged, not returned: the scans stay exact, only slower. It
// does nothing on SQLite.
func (w *Warehouse) summarizeBRIN(ctx context.Context, tables []string, fresh bool) {
	if w.d.name != Postgres || len(tables) == 0 {
		return
	}
	err := func() error {
		tx, err := w.begin(ctx)
		if err != nil {
			return err
		}
		defer tx.rollback()
		// Summarizing takes a SHARE UPDATE EXCLUSIVE lock, which writers
		// do not conflict with but an ANALYZE in progress does.
		if _, err := tx.exec(ctx, "SET LOCAL lock_timeout = '5s'"); err != nil {
			return err
		}
		var n int64
		if fresh {
			q := fmt.Sprintf(`SELECT count(brin_desummarize_range(x.indexrelid::regclass, blk)) %s,
				generate_series(0, pg_relation_size(x.indrelid) / current_setting('block_size')::bigint, %d) AS blk`,
				brinIndexes, brinPagesPerRange)
			if err := tx.GetContext(ctx, &n, q, pq.Array(tables)); err != nil {
				return redact(err)
			}
		}
		q := "SELECT coalesce(sum(brin_summarize_new_values(x.indexrelid::regclass)), 0) " + brinIndexes
		if err := tx.GetContext(ctx, &n, q, pq.Array(tables)); err != nil {
			return redact(err)
		}
		return tx.commit()
	}()
	if err != nil && ctx.Err() == nil {
		w.log.WarnContext(ctx, "summarizing BRIN indexes; purge scans more pages", "component", "warehouse", "error", err)
	}
}

// refreshBRIN makes the BRIN summaries of the tables describe their live
// rows after a purge deleted rows from them or ApplyRetention re-stamped
// them: a VACUUM removes the dead row versions (summarizing counts every
// version still on its page), then every range is summarized afresh
// (summarizeBRIN with fresh). Without it a summary's minimum stays at the
// expiry of rows long gone, and every later probe below it reads the
// range's pages. It costs a VACUUM and one read of the tables, which are
// the leaves purge just deleted from. A table locked by another VACUUM or
// ANALYZE is skipped; failures are logged. It does nothing on SQLite.
func (w *Warehouse) refreshBRIN(ctx context.Context, tables []string) {
	if w.d.name != Postgres || len(tables) == 0 {
		return
	}
	for _, t := range tables {
		if _, err := w.db.ExecContext(ctx, "VACUUM (SKIP_LOCKED) "+t); err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "vacuuming before summarizing BRIN indexes", "component", "warehouse", "error", redact(err))
		}
	}
	w.summarizeBRIN(ctx, tables, true)
}

// withIndexScans runs fn in a transaction in which PostgreSQL plans no
// sequential scan that an index can replace. The rows of a kpi_daily
// partition are in no order of expires_at, so the planner prices its
// BRIN index as reading the whole partition and may prefer a sequential
// scan, when in fact the summaries exclude every partition whose rows
// all expire after the bound: a few index pages each. fn only reads.
func (w *Warehouse) withIndexScans(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := w.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if w.d.name == Postgres {
		if _, err := tx.exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.commit()
}

// oldestSearchSteps bounds the widenings of oldestBelow: the last bound
// is cutoff + 2^12 weeks (78 years), past any TTL.
const oldestSearchSteps = 12

// expiredAndOldest returns the number of rows of pt's table that expired
// before cutoff and the lowest expiry left (nil when the table is
// empty). With a btree on the expiry column both come from it. A BRIN
// index (pt.ExpiresBRIN) answers only "expiry below a bound": one scan
// below cutoff + 1 week counts the expired rows and finds the oldest
// expiry when a row expires within that week; otherwise the bound widens
// to cutoff + 2, 4, 8... weeks until a row is below it, each a scan of
// the summaries that reads the pages of the oldest partitions only. A
// row expiring more than oldestSearchSteps widenings later is found by a
// full scan.
func (w *Warehouse) expiredAndOldest(ctx context.Context, pt Purgeable, cutoff time.Time) (n int64, oldest any, err error) {
	col, table := pt.Expires, pt.Table
	if !pt.ExpiresBRIN || w.d.name != Postgres {
		q := "SELECT (SELECT count(*) FROM " + table + " WHERE " + col + " < ?), (SELECT min(" + col + ") FROM " + table + ")"
		err := w.db.QueryRowContext(ctx, w.db.Rebind(q), w.d.timeArg(cutoff)).Scan(&n, &oldest)
		return n, oldest, redact(err)
	}
	err = w.withIndexScans(ctx, func(tx *txn) error {
		var some bool
		var low *time.Time
		step := PartitionPeriod
		q := "SELECT count(*) FILTER (WHERE " + col + " < ?), min(" + col + "), EXISTS (SELECT 1 FROM " + table + ") FROM " +
			table + " WHERE " + col + " < ?"
		if err := tx.QueryRowxContext(ctx, tx.Rebind(q), w.d.timeArg(cutoff), w.d.timeArg(cutoff.Add(step))).Scan(&n, &low, &some); err != nil {
			return redact(err)
		}
		below := "SELECT min(" + col + ") FROM " + table + " WHERE " + col + " < ?"
		for i := 1; some && low == nil && i <= oldestSearchSteps; i++ {
			step *= 2
			if err := tx.get(ctx, &low, below, w.d.timeArg(cutoff.Add(step))); err != nil {
				return err
			}
		}
		if some && low == nil {
			if err := tx.get(ctx, &low, "SELECT min("+col+") FROM "+table); err != nil {
				return err
			}
		}
		if low != nil {
			oldest = *low
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return n, oldest, nil
}
