package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/tally-dev/tally/transforms/pseudonymize"
)

// Rekey defaults.
const (
	DefaultRekeyBatch   = 5000
	defaultRekeyTimeout = time.Minute
)

// RekeyOptions tune Rekey.
type RekeyOptions struct {
	// BatchSize bounds the rows one transaction reads and rewrites
	// (default 5000).
	BatchSize int
	// BatchTimeout bounds each transaction (default one minute).
	BatchTimeout time.Duration
}

func (o RekeyOptions) withDefaults() RekeyOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultRekeyBatch
	}
	if o.BatchTimeout <= 0 {
		o.BatchTimeout = defaultRekeyTimeout
	}
	return o
}

// RekeyResult is what Rekey did.
type RekeyResult struct {
	From int `json:"from"`
	To   int `json:"to"`
	// Resumed is true when Rekey finished an interrupted rekey instead of
	// starting one.
	Resumed bool `json:"resumed"`
	// Rewritten counts the rows rewritten per table.
	Rewritten []TableCount `json:"rewritten"`
	// Merged counts rows that met a row already under the new version
	// (only after an interrupted rekey that writers resumed around) and
	// were merged into it.
	Merged  int64 `json:"merged"`
	Retired []int `json:"retired"`
}

// Rekey rotates the tenant's pseudonym key and rewrites every stored
// pseudonym of the current version under the new one, so the old
// version can retire at once instead of when its rows expire.
//
// Facts hold only pseudonyms, never source ids, so the new version is
// chained (see pseudonymize.Keyring.Chain): its pseudonym of a value is
// Rekey(old pseudonym), which the stored pseudonym alone determines, and
// records pseudonymized after the rekey get exactly the pseudonyms the
// rows were given. Every pseudonym column of the table registry is
// rewritten, in transactions of at most BatchSize rows: fact keys and
// person references (their KPI contributions move to the new rep in the
// same transaction, so kpi_daily equals a GROUP BY over the facts after
// every batch), rollups left without facts, vault rows (rep and email
// lookup) and shredding keys (re-wrapped under their new subject).
// Erasure receipts keep their pseudonyms: they are history, and their
// MACs cover them. A row that meets a row already under the new version
// is merged (the newer fact wins; rollups add up).
//
// Rekey needs every writer stopped: it takes the writer lock exclusively
// and fails with ErrWritersRunning while a tally run holds it shared. A
// rekey that is interrupted (a crash, a cancelled context) leaves every
// row either old or new; the next Rekey of the tenant resumes it rather
// than starting another, and tally run refuses to start until it has
// finished. When no row references the old version any more Rekey marks
// the rekey finished and retires unreferenced versions (RetireKeys).
func (s *Subjects) Rekey(ctx context.Context, tenant string, o RekeyOptions) (*RekeyResult, error) {
	o = o.withDefaults()
	release, ok, err := s.w.lockWriters(ctx, false)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrWritersRunning
	}
	defer release()
	kc, err := s.w.KeyChain(ctx, tenant, s.defVers)
	if err != nil {
		return nil, err
	}
	res := &RekeyResult{}
	if kc.Unfinished > 0 {
		res.From, res.To, res.Resumed = kc.Parents[kc.Unfinished], kc.Unfinished, true
	} else {
		if res.To, err = s.w.rotate(ctx, tenant, s.defVers, true); err != nil {
			return nil, err
		}
		res.From = res.To - 1
	}
	if _, err := s.liveVersions(ctx, tenant); err != nil { // chains the keyring
		return nil, err
	}
	rk := &rekeyer{s: s, tenant: tenant, from: res.From, to: res.To, o: o, res: res}
	for _, p := range s.w.purgeables() {
		if len(p.Pseudonyms) == 0 {
			continue
		}
		n, err := rk.table(ctx, p)
		res.Rewritten = append(res.Rewritten, TableCount{p.Table, n})
		if err != nil {
			return res, fmt.Errorf("rekeying %s from k%d to k%d (re-run to resume): %w", p.Table, res.From, res.To, err)
		}
	}
	left, err := s.references(ctx, tenant, res.From)
	if err != nil {
		return res, err
	}
	if left > 0 {
		return res, fmt.Errorf("rekey from k%d to k%d left %d rows under k%d; re-run to finish", res.From, res.To, left, res.From)
	}
	if _, err := s.w.Exec(ctx, "UPDATE pseudonym_keys SET rekeyed_at = ? WHERE tenant = ? AND version = ?",
		s.w.d.timeArg(s.w.now().UTC()), tenant, res.To); err != nil {
		return res, fmt.Errorf("finishing rekey: %w", err)
	}
	if res.Retired, err = s.RetireKeys(ctx, tenant); err != nil {
		return res, err
	}
	s.w.log.InfoContext(ctx, "pseudonyms rekeyed", "component", "subjects", "tenant", tenant,
		"count", total(res.Rewritten))
	return res, nil
}

// rekeyer carries one Rekey pass.
type rekeyer struct {
	s        *Subjects
	tenant   string
	from, to int
	o        RekeyOptions
	res      *RekeyResult
}

// table rewrites one registry table and returns the rows rewritten.
func (rk *rekeyer) table(ctx context.Context, p Purgeable) (int64, error) {
	for _, t := range rk.s.w.tables {
		if t.name == p.Table {
			n, err := rk.byRep(ctx, t)
			if err != nil {
				return n, err
			}
			m, err := rk.facts(ctx, t)
			return n + m, err
		}
	}
	switch p.Table {
	case "kpi_daily":
		return rk.rollups(ctx)
	case "identity_vault":
		return rk.vault(ctx)
	case "subject_keys":
		return rk.subjectKeys(ctx)
	}
	return 0, fmt.Errorf("no rekey rule for table %s", p.Table)
}

// rewrite returns the new-version pseudonym of v when v is a pseudonym
// of the old version.
func (rk *rekeyer) rewrite(v string) (string, bool) {
	if pseudonymize.Version(v) != rk.from {
		return v, false
	}
	return rk.s.keys.Rekey(rk.tenant, v, rk.to), true
}

// batches runs fn in transactions of its own, each under BatchTimeout,
// until fn reports done, and returns the rows fn rewrote. The test hook
// runs after every committed batch.
func (rk *rekeyer) batches(ctx context.Context, table string, fn func(ctx context.Context, tx *txn) (n int, done bool, err error)) (int64, error) {
	var total int64
	for {
		var n int
		var done bool
		err := func() error {
			ctx, cancel := context.WithTimeout(ctx, rk.o.BatchTimeout)
			defer cancel()
			return rk.s.inTx(ctx, func(tx *txn) (err error) {
				n, done, err = fn(ctx, tx)
				return err
			})
		}()
		if err != nil {
			return total, err
		}
		total += int64(n)
		if rk.s.rekeyHook != nil {
			if err := rk.s.rekeyHook(table); err != nil {
				return total, err
			}
		}
		if done {
			return total, nil
		}
	}
}
