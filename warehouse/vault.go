package warehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/transforms/vault"
)

// vaultRow is one identity vault row, opened.
type vaultRow struct {
	Rep        string
	Lookup     string
	KeyVersion int
	Entry      vault.Entry
}

// Person is a platform user as `tally people list` shows it: the rep
// pseudonym and the identity fields opened from the vault.
type Person struct {
	Rep        string `json:"rep"`
	KeyVersion int    `json:"key_version"`
	Email      string `json:"email,omitempty"`
	FirstName  string `json:"first_name,omitempty"`
	LastName   string `json:"last_name,omitempty"`
}

// writeVault writes the identity vault rows of a batch inside its
// transaction: the sealed identity of every record whose fact the batch
// wrote (recs[i] is the stored form of in[i]; a record an older version
// lost to carries no vault change), and the removal of the vault row of
// every fact the batch deleted.
func (w *Warehouse) writeVault(ctx context.Context, tx *txn, in []pipeline.Record, recs []*pipeline.Record,
	states map[factKey]*factState, now time.Time) error {
	type row struct {
		tenant, rep string
		id          *pipeline.Identity
	}
	var ups []row
	dels := map[string][]string{} // tenant → reps
	for i := range in {
		k := factKey{recs[i].Object, recs[i].Tenant, recs[i].Key}
		st := states[k]
		switch {
		case st == nil || st.cur == st.stored:
		case st.cur == nil && in[i].Op == pipeline.OpDelete:
			dels[k.tenant] = append(dels[k.tenant], k.key)
		case st.cur == recs[i] && in[i].Vault != nil:
			ups = append(ups, row{k.tenant, k.key, in[i].Vault})
		}
	}
	for _, tenant := range sortedKeys(dels) {
		pred, args := w.d.in("rep", dels[tenant])
		if _, err := tx.exec(ctx, "DELETE FROM identity_vault WHERE tenant = ? AND "+pred, append([]any{tenant}, args...)...); err != nil {
			return fmt.Errorf("deleting vault rows: %w", err)
		}
	}
	sort.Slice(ups, func(i, j int) bool {
		if ups[i].tenant != ups[j].tenant {
			return ups[i].tenant < ups[j].tenant
		}
		return ups[i].rep < ups[j].rep
	})
	q := `INSERT INTO identity_vault (tenant, rep, lookup, sealed, key_version, updated_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, rep) DO UPDATE SET lookup = excluded.lookup,
		sealed = excluded.sealed, key_version = excluded.key_version, updated_at = excluded.updated_at,
		expires_at = excluded.expires_at`
	for _, u := range ups {
		if _, err := tx.exec(ctx, q, u.tenant, u.rep, u.id.Lookup, u.id.Sealed, u.id.KeyVersion,
			w.d.timeArg(now), w.d.timeArg(now.Add(w.cfg.FactTTL))); err != nil {
			return fmt.Errorf("writing vault rows: %w", err)
		}
	}
	return nil
}

// vaultRows reads and opens the tenant's vault rows whose col ("rep" or
// "lookup") is one of vals.
func (s *Subjects) vaultRows(ctx context.Context, tenant, col string, vals []string) ([]vaultRow, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	pred, args := s.w.d.in(col, vals)
	return s.queryVault(ctx, tenant, " AND "+pred, args)
}

func (s *Subjects) queryVault(ctx context.Context, tenant, where string, args []any) ([]vaultRow, error) {
	rows, err := s.w.db.QueryContext(ctx, s.w.db.Rebind(
		"SELECT rep, lookup, key_version, sealed FROM identity_vault WHERE tenant = ?"+where+" ORDER BY rep"),
		append([]any{tenant}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("reading identity vault: %w", redact(err))
	}
	defer rows.Close()
	var out []vaultRow
	for rows.Next() {
		var r vaultRow
		var sealed []byte
		if err := rows.Scan(&r.Rep, &r.Lookup, &r.KeyVersion, &sealed); err != nil {
			return nil, fmt.Errorf("reading identity vault: %w", redact(err))
		}
		plain, err := s.sealer.Open(tenant, sealed)
		if err != nil {
			return nil, fmt.Errorf("opening vault row: %w", err)
		}
		if err := json.Unmarshal(plain, &r.Entry); err != nil {
			return nil, fmt.Errorf("decoding vault row: %w", pipeline.ErrInvalid)
		}
		out = append(out, r)
	}
	return out, redact(rows.Err())
}

// People returns the tenant's platform users from the identity vault,
// opened, sorted by rep pseudonym. Only admin commands call it.
func (s *Subjects) People(ctx context.Context, tenant string) ([]Person, error) {
	rows, err := s.queryVault(ctx, tenant, "", nil)
	if err != nil {
		return nil, err
	}
	out := make([]Person, len(rows))
	for i, r := range rows {
		out[i] = Person{Rep: r.Rep, KeyVersion: r.KeyVersion, Email: r.Entry["email"],
			FirstName: r.Entry["first_name"], LastName: r.Entry["last_name"]}
	}
	return out, nil
}
