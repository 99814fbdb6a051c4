package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/tally-dev/tally/transforms/kpi"
)

// eraseBatch bounds the facts one erase transaction deletes, so erasing a
// rep with many deals never holds long locks.
const eraseBatch = 2000

// suppressionTTL is how long a suppression token lives: as long as the
// CRM may still send the subject, which tally cannot know, so long.
const suppressionTTL = 10 * 365 * 24 * time.Hour

// TableCount is how many rows of one table an erasure removed or a
// verification found.
type TableCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// Erase removes every trace of the subject from the warehouse and
// returns the receipt it appended to the tenant's chain.
//
// It resolves the subject's pseudonyms under every live key version,
// deletes in bounded transactions every fact whose key or person
// reference is one of them (subtracting each fact's KPI contributions
// in the same transaction, so rollups still equal the facts), then in a
// final transaction deletes the subject's vault rows and shredding keys
// (making raw Kafka copies of its personal fields unreadable), adds its
// suppression tokens and appends the receipt, whose verification re-runs
// every lookup and must find nothing. Erasing a subject nothing is held
// on succeeds with zero counts, and still suppresses it.
func (s *Subjects) Erase(ctx context.Context, r Request) (*Receipt, error) {
	sub, err := s.resolve(ctx, r)
	if err != nil {
		return nil, err
	}
	requestID := newRequestID()
	found, err := s.lookups(ctx, s.w.db, r.Tenant, sub)
	if err != nil {
		return nil, err
	}
	var removed []TableCount
	for _, t := range s.factTables() {
		n, err := s.eraseFacts(ctx, r.Tenant, t, sub.Pseudonyms)
		if err != nil {
			return nil, fmt.Errorf("erasing from %s: %w", t, err)
		}
		removed = append(removed, TableCount{t, n})
	}
	// Rollup rows of the subject's rep pseudonyms were emptied by the
	// subtracted contributions.
	for _, c := range found {
		if c.Table == "kpi_daily" {
			removed = append(removed, c)
		}
	}
	rc := &Receipt{Tenant: r.Tenant, RequestID: requestID, By: sub.By, Object: r.Object,
		Pseudonyms: sub.Pseudonyms, Lookups: sub.Lookups, Tokens: sub.Tokens}
	err = s.inTx(ctx, func(tx *txn) error {
		more, err := s.eraseRest(ctx, tx, r.Tenant, sub, requestID)
		if err != nil {
			return err
		}
		rc.Removed = append(removed, more...)
		// Quarantine rows name stage, field, rule and log position only:
		// no subject identifier, so nothing of the subject is there.
		rc.Removed = append(rc.Removed, TableCount{"quarantine", 0})
		if rc.Verification, err = s.lookups(ctx, tx, r.Tenant, sub); err != nil {
			return err
		}
		rc.Verified = true
		for _, c := range rc.Verification {
			rc.Verified = rc.Verified && c.Rows == 0
		}
		return s.appendReceipt(ctx, tx, rc)
	})
	if err != nil {
		return nil, err
	}
	s.w.log.InfoContext(ctx, "subject erased", "component", "subjects", "tenant", r.Tenant,
		"count", total(rc.Removed))
	return rc, nil
}

func total(cs []TableCount) int64 {
	var n int64
	for _, c := range cs {
		n += c.Rows
	}
	return n
}

// eraseFacts deletes the subject's facts of one table in transactions of
// at most eraseBatch rows, each subtracting its facts' KPI contributions.
// It returns the number of facts deleted.
func (s *Subjects) eraseFacts(ctx context.Context, tenant, table string, ps []string) (facts int64, err error) {
	t := s.w.tables[objectOf(table)]
	if t == nil || len(ps) == 0 {
		return 0, nil
	}
	pred, args := s.refPredicate(table, ps)
	cols := "source, key, version"
	for _, c := range t.cols {
		cols += ", " + c.name
	}
	sel := "SELECT " + cols + " FROM " + table + " WHERE tenant = ? AND " + pred +
		" ORDER BY key LIMIT " + fmt.Sprint(eraseBatch) + s.w.d.forUpdate
	for {
		var n int
		err := s.inTx(ctx, func(tx *txn) error {
			rows, err := tx.query(ctx, sel, append([]any{tenant}, args...)...)
			if err != nil {
				return err
			}
			var keys []string
			deltas := map[kpi.Key]kpi.Delta{}
			for rows.Next() {
				vals, err := rows.SliceScan()
				if err != nil {
					rows.Close()
					return redact(err)
				}
				f, err := t.decode(tenant, vals)
				if err != nil {
					rows.Close()
					return err
				}
				keys = append(keys, f.Key)
				kpi.Merge(deltas, s.w.calc.Diff(f, nil), 1)
			}
			rows.Close()
			if err := redact(rows.Err()); err != nil {
				return err
			}
			n = len(keys)
			if n == 0 {
				return nil
			}
			kp, kargs := s.w.d.in("key", keys)
			if _, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE tenant = ? AND "+kp, append([]any{tenant}, kargs...)...); err != nil {
				return err
			}
			return s.w.writeDeltas(ctx, tx, deltas, s.w.now().UTC())
		})
		if err != nil {
			return facts, err
		}
		facts += int64(n)
		if n < eraseBatch {
			return facts, nil
		}
	}
}

// eraseRest deletes the subject's vault rows, shredding keys and any
// rollup row still naming it, and adds its suppression tokens.
func (s *Subjects) eraseRest(ctx context.Context, tx *txn, tenant string, sub *subject, requestID string) ([]TableCount, error) {
	var out []TableCount
	del := func(table, col string, vals []string) error {
		if len(vals) == 0 {
			return nil
		}
		pred, args := s.w.d.in(col, vals)
		res, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE tenant = ? AND "+pred, append([]any{tenant}, args...)...)
		if err != nil {
			return fmt.Errorf("erasing from %s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		out = append(out, TableCount{table, n})
		return nil
	}
	if err := del("identity_vault", "rep", sub.Pseudonyms); err != nil {
		return nil, err
	}
	if err := del("identity_vault", "lookup", sub.Lookups); err != nil {
		return nil, err
	}
	if err := del("subject_keys", "subject", sub.Pseudonyms); err != nil {
		return nil, err
	}
	now := s.w.now().UTC()
	for _, tok := range sub.Tokens {
		if _, err := tx.exec(ctx, "INSERT INTO suppressions (tenant, token, request_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, token) DO NOTHING",
			tenant, tok, requestID, s.w.d.timeArg(now), s.w.d.timeArg(now.Add(suppressionTTL))); err != nil {
			return nil, fmt.Errorf("adding suppression: %w", err)
		}
	}
	return mergeCounts(out), nil
}

func mergeCounts(in []TableCount) []TableCount {
	var out []TableCount
	idx := map[string]int{}
	for _, c := range in {
		if i, ok := idx[c.Table]; ok {
			out[i].Rows += c.Rows
			continue
		}
		idx[c.Table] = len(out)
		out = append(out, c)
	}
	return out
}

func (s *Subjects) inTx(ctx context.Context, fn func(tx *txn) error) error {
	tx, err := s.w.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.commit()
}

func objectOf(table string) string { return table[:len(table)-len("_facts")] }

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "er_" + hex.EncodeToString(b[:])
}
