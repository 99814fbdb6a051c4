package warehouse

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tally-dev/tally/transforms/kpi"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/vault"
)

// rollups moves the kpi_daily rows still under an old-version rep after
// the fact passes (history whose facts have expired) to the new rep,
// whole, in batches; rows meeting a row of the new rep add up.
func (rk *rekeyer) rollups(ctx context.Context) (int64, error) {
	w := rk.s.w
	var reps []string
	rows, err := w.db.QueryContext(ctx, w.db.Rebind("SELECT DISTINCT rep FROM kpi_daily WHERE tenant = ?"), rk.tenant)
	if err != nil {
		return 0, fmt.Errorf("listing rollup reps: %w", redact(err))
	}
	for rows.Next() {
		var rep string
		if err := rows.Scan(&rep); err != nil {
			rows.Close()
			return 0, fmt.Errorf("listing rollup reps: %w", redact(err))
		}
		if _, ok := rk.rewrite(rep); ok {
			reps = append(reps, rep)
		}
	}
	rows.Close()
	if err := redact(rows.Err()); err != nil {
		return 0, fmt.Errorf("listing rollup reps: %w", err)
	}
	if len(reps) == 0 {
		return 0, nil
	}
	pred, args := w.d.in("rep", reps)
	q := "SELECT metric, day, rep, dimension, currency, value, n FROM kpi_daily WHERE tenant = ? AND " + pred +
		" LIMIT " + strconv.Itoa(rk.o.BatchSize)
	var prev rollupMove // the first row of the last batch, which must not come back
	return rk.batches(ctx, "kpi_daily", func(ctx context.Context, tx *txn) (int, bool, error) {
		res, err := tx.query(ctx, q, append([]any{rk.tenant}, args...)...)
		if err != nil {
			return 0, false, err
		}
		var moves []rollupMove
		for res.Next() {
			k := kpi.Key{Tenant: rk.tenant}
			var day, value any
			var n int64
			if err := res.Scan(&k.Metric, &day, &k.Rep, &k.Dimension, &k.Currency, &value, &n); err != nil {
				res.Close()
				return 0, false, redact(err)
			}
			r, err := decodeRollup(value, n, time.Time{}, time.Time{})
			if err == nil {
				k.Day, err = dayOf(day)
			}
			if err != nil {
				res.Close()
				return 0, false, err
			}
			to, _ := rk.rewrite(k.Rep)
			moves = append(moves, rollupMove{From: k, To: to, Value: r.value, N: r.n})
		}
		res.Close()
		if err := redact(res.Err()); err != nil {
			return 0, false, err
		}
		if len(moves) > 0 {
			if moves[0] == prev {
				return 0, false, fmt.Errorf("rollup row of metric %s could not be moved", prev.From.Metric)
			}
			prev = moves[0]
		}
		return len(moves), len(moves) < rk.o.BatchSize, w.moveRollups(ctx, tx, moves)
	})
}

// vault rewrites the rep and email-lookup pseudonyms of identity vault
// rows, in rep order. When the new rep already has a row, the more
// recently updated one stays.
func (rk *rekeyer) vault(ctx context.Context) (int64, error) {
	type row struct {
		rep, lookup string
		updated     time.Time
	}
	scan := func(res *sqlx.Rows) (r row, key string, err error) {
		var updated any
		if err := res.Scan(&r.rep, &r.lookup, &updated); err != nil {
			return r, "", redact(err)
		}
		if r.updated, err = dbTime(updated); err != nil {
			return r, "", fmt.Errorf("column updated_at: %w", err)
		}
		return r, r.rep, nil
	}
	return keysetPages(ctx, rk, "identity_vault", "SELECT rep, lookup, updated_at FROM identity_vault", "rep", scan,
		func(ctx context.Context, tx *txn, page []row) (int, error) {
			n := 0
			for _, r := range page {
				rep, a := rk.rewrite(r.rep)
				lookup, b := rk.rewrite(r.lookup)
				if !a && !b {
					continue
				}
				n++
				keep, err := rk.resolveMeeting(ctx, tx, "identity_vault", "rep", r.rep, rep, r.updated, "updated_at")
				if err != nil || !keep {
					return 0, err
				}
				if _, err := tx.exec(ctx, "UPDATE identity_vault SET rep = ?, lookup = ?, key_version = ? WHERE tenant = ? AND rep = ?",
					rep, lookup, pseudonymize.Version(rep), rk.tenant, r.rep); err != nil {
					return 0, err
				}
			}
			return n, nil
		})
}

// subjectKeys renames the shredding keys of old-version subjects and
// re-wraps each data key under its new subject (the wrapping binds the
// subject). Raw messages keep naming the old subject; the Shredder finds
// the key through the chain. When the new subject already has a key,
// that one stays.
func (rk *rekeyer) subjectKeys(ctx context.Context) (int64, error) {
	type row struct {
		subject string
		wrapped []byte
	}
	kek := rk.s.shredKEK()
	scan := func(res *sqlx.Rows) (r row, key string, err error) {
		err = redact(res.Scan(&r.subject, &r.wrapped))
		return r, r.subject, err
	}
	return keysetPages(ctx, rk, "subject_keys", "SELECT subject, wrapped FROM subject_keys", "subject", scan,
		func(ctx context.Context, tx *txn, page []row) (int, error) {
			n := 0
			for _, r := range page {
				subject, ok := rk.rewrite(r.subject)
				if !ok {
					continue
				}
				n++
				keep, err := rk.resolveMeeting(ctx, tx, "subject_keys", "subject", r.subject, subject, time.Time{}, "")
				if err != nil || !keep {
					return 0, err
				}
				dk, err := vault.OpenWith(kek, r.wrapped, "shred/"+rk.tenant+"/"+r.subject)
				if err != nil {
					return 0, fmt.Errorf("unwrapping a subject key: %w", err)
				}
				wrapped, err := vault.SealWith(kek, dk, "shred/"+rk.tenant+"/"+subject)
				if err != nil {
					return 0, err
				}
				if _, err := tx.exec(ctx, "UPDATE subject_keys SET subject = ?, wrapped = ? WHERE tenant = ? AND subject = ?",
					subject, wrapped, rk.tenant, r.subject); err != nil {
					return 0, err
				}
			}
			return n, nil
		})
}

// keysetPages runs batches over the tenant's rows of table in order of
// col, BatchSize rows a page (locked on PostgreSQL): sel selects the
// columns scan decodes (scan also returns the row's col value), and fn
// rewrites a page and returns how many rows it rewrote.
func keysetPages[T any](ctx context.Context, rk *rekeyer, table, sel, col string,
	scan func(*sqlx.Rows) (T, string, error), fn func(context.Context, *txn, []T) (int, error)) (int64, error) {
	q := sel + " WHERE tenant = ? AND " + col + " > ? ORDER BY " + col + " LIMIT " + strconv.Itoa(rk.o.BatchSize) + rk.s.w.d.forUpdate
	last := ""
	return rk.batches(ctx, table, func(ctx context.Context, tx *txn) (int, bool, error) {
		res, err := tx.query(ctx, q, rk.tenant, last)
		if err != nil {
			return 0, false, err
		}
		var page []T
		for res.Next() {
			v, key, err := scan(res)
			if err != nil {
				res.Close()
				return 0, false, err
			}
			page, last = append(page, v), key
		}
		res.Close()
		if err := redact(res.Err()); err != nil || len(page) == 0 {
			return 0, true, err
		}
		n, err := fn(ctx, tx, page)
		return n, len(page) < rk.o.BatchSize, err
	})
}

// resolveMeeting handles an old row whose new key (col = to) is already
// taken, which only happens after an interrupted rekey that writers
// resumed around: with a time column, the row updated last stays;
// without one, the existing row stays. It deletes the loser and reports
// whether the old row is to be rewritten.
func (rk *rekeyer) resolveMeeting(ctx context.Context, tx *txn, table, col, from, to string, updated time.Time, timeCol string) (bool, error) {
	sel := "SELECT count(*) FROM " + table + " WHERE tenant = ? AND " + col + " = ?"
	if timeCol != "" {
		sel = "SELECT max(" + timeCol + ") FROM " + table + " WHERE tenant = ? AND " + col + " = ?"
	}
	var got any
	if err := tx.QueryRowxContext(ctx, tx.Rebind(sel), rk.tenant, to).Scan(&got); err != nil {
		return false, redact(err)
	}
	exists := got != nil
	if n, ok := got.(int64); ok {
		exists = n > 0
	}
	if !exists {
		return true, nil
	}
	rk.res.Merged++
	loser := from
	if timeCol != "" {
		if t, err := dbTime(got); err == nil && updated.After(t) {
			loser = to
		}
	}
	if _, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE tenant = ? AND "+col+" = ?", rk.tenant, loser); err != nil {
		return false, err
	}
	return loser == to, nil
}
