package warehouse

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// keyTTL is how long a pseudonym_keys row lives: key versions must
// outlive every row written under them.
const keyTTL = 10 * 365 * 24 * time.Hour

// KeyVersion is one pseudonym key version of a tenant.
type KeyVersion struct {
	Version int        `json:"version"`
	Created time.Time  `json:"created_at"`
	Retired *time.Time `json:"retired_at,omitempty"`
	Current bool       `json:"current"`
	// Parent is the version this one was rekeyed from (0: not chained);
	// Rekeyed is when that rekey finished (nil while unfinished).
	Parent  int        `json:"parent,omitempty"`
	Rekeyed *time.Time `json:"rekeyed_at,omitempty"`
	// Rows is how many warehouse rows reference the version, when
	// counted (KeyVersions counts; Rotate does not).
	Rows int64 `json:"rows"`
}

// CurrentVersion returns the tenant's current pseudonym key version:
// the highest stored version, or def when none is stored (or a higher
// def, so raising pseudonyms.key_version in config still takes effect).
func (w *Warehouse) CurrentVersion(ctx context.Context, tenant string, def int) (int, error) {
	var v *int64
	err := w.db.QueryRowContext(ctx, w.db.Rebind("SELECT max(version) FROM pseudonym_keys WHERE tenant = ?"), tenant).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("reading key version of %s: %w", tenant, redact(err))
	}
	if v == nil {
		return max(def, 1), nil
	}
	return max(int(*v), def, 1), nil
}

// RotateKey makes a new key version current for the tenant's new
// pseudonyms and returns it: one more than CurrentVersion. The previous
// versions stay live until no row references them (RetireKeys).
func (w *Warehouse) RotateKey(ctx context.Context, tenant string, def int) (int, error) {
	return w.rotate(ctx, tenant, def, false)
}

// rotate stores version CurrentVersion+1, chained to the current one
// when chained is set (see Rekey), and returns it.
func (w *Warehouse) rotate(ctx context.Context, tenant string, def int, chained bool) (int, error) {
	cur, err := w.CurrentVersion(ctx, tenant, def)
	if err != nil {
		return 0, err
	}
	now := w.now().UTC()
	ins := "INSERT INTO pseudonym_keys (tenant, version, parent, created_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, version) DO NOTHING"
	// Record the version in use before the rotation too, so lookups know it.
	var parent any
	if chained {
		parent = cur
	}
	for _, v := range []struct {
		version int
		parent  any
	}{{cur, nil}, {cur + 1, parent}} {
		if _, err := w.Exec(ctx, ins, tenant, v.version, v.parent, w.d.timeArg(now), w.d.timeArg(now.Add(keyTTL))); err != nil {
			return 0, fmt.Errorf("storing key version: %w", err)
		}
	}
	return cur + 1, nil
}

// KeyChain is what pseudonymizing a tenant needs to know of its stored
// key versions.
type KeyChain struct {
	// Current is the version new pseudonyms are made with (as
	// CurrentVersion).
	Current int
	// Parents maps every chained version to the version it was rekeyed
	// from, for pseudonymize.Keyring.Chain.
	Parents map[int]int
	// Unfinished is a chained version whose rekey has not finished, or 0.
	Unfinished int
}

// KeyChain returns the tenant's key chain; def is the configured
// version, as for CurrentVersion.
func (w *Warehouse) KeyChain(ctx context.Context, tenant string, def int) (KeyChain, error) {
	vs, err := w.keyVersions(ctx, tenant)
	if err != nil {
		return KeyChain{}, err
	}
	kc := KeyChain{Current: max(def, 1), Parents: map[int]int{}}
	for _, v := range vs {
		kc.Current = max(kc.Current, v.Version)
		if v.Parent > 0 {
			kc.Parents[v.Version] = v.Parent
			if v.Rekeyed == nil {
				kc.Unfinished = v.Version
			}
		}
	}
	return kc, nil
}

// liveVersions returns every key version of the tenant that may still be
// referenced: the stored versions not retired, and 1..def when the
// tenant has none stored.
//
// It also records the tenant's chained versions in the keyring, so that
// pseudonyms of a rekeyed version come out through the chain.
func (s *Subjects) liveVersions(ctx context.Context, tenant string) ([]int, error) {
	vs, err := s.w.keyVersions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []int
	parents := map[int]int{}
	for _, v := range vs {
		if v.Retired == nil {
			out = append(out, v.Version)
		}
		if v.Parent > 0 {
			parents[v.Version] = v.Parent
		}
	}
	if err := s.keys.Chain(tenant, parents); err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		for v := 1; v <= s.defVers; v++ {
			out = append(out, v)
		}
	}
	return out, nil
}

func (w *Warehouse) keyVersions(ctx context.Context, tenant string) ([]KeyVersion, error) {
	rows, err := w.db.QueryContext(ctx, w.db.Rebind(
		"SELECT version, created_at, retired_at, parent, rekeyed_at FROM pseudonym_keys WHERE tenant = ? ORDER BY version"), tenant)
	if err != nil {
		return nil, fmt.Errorf("reading key versions: %w", redact(err))
	}
	defer rows.Close()
	var out []KeyVersion
	for rows.Next() {
		var v KeyVersion
		var created, retired, rekeyed any
		var parent *int64
		if err := rows.Scan(&v.Version, &created, &retired, &parent, &rekeyed); err != nil {
			return nil, fmt.Errorf("reading key versions: %w", redact(err))
		}
		if v.Created, err = dbTime(created); err != nil {
			return nil, fmt.Errorf("column created_at: %w", err)
		}
		if v.Retired, err = optTime(retired); err != nil {
			return nil, fmt.Errorf("column retired_at: %w", err)
		}
		if v.Rekeyed, err = optTime(rekeyed); err != nil {
			return nil, fmt.Errorf("column rekeyed_at: %w", err)
		}
		if parent != nil {
			v.Parent = int(*parent)
		}
		out = append(out, v)
	}
	if len(out) > 0 {
		out[len(out)-1].Current = true
	}
	return out, redact(rows.Err())
}

// KeyVersions lists the tenant's key versions with the number of rows
// that reference each (pseudonyms carry their version as "kN_").
func (s *Subjects) KeyVersions(ctx context.Context, tenant string) ([]KeyVersion, error) {
	vs, err := s.w.keyVersions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].Rows, err = s.references(ctx, tenant, vs[i].Version); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// references counts rows of the tenant holding a pseudonym of version v
// in a pseudonym column of the table registry.
func (s *Subjects) references(ctx context.Context, tenant string, v int) (int64, error) {
	prefix := versionPrefix(v)
	var total int64
	for _, p := range s.w.purgeables() {
		for _, c := range p.Pseudonyms {
			var n int64
			q := "SELECT count(*) FROM " + p.Table + " WHERE " + p.Tenant + " = ? AND substr(" + c + ", 1, ?) = ?"
			if err := s.w.db.QueryRowContext(ctx, s.w.db.Rebind(q), tenant, len(prefix), prefix).Scan(&n); err != nil {
				return 0, fmt.Errorf("counting %s references: %w", p.Table, redact(err))
			}
			total += n
		}
	}
	return total, nil
}

// versionPrefix is how pseudonyms of key version v start: "k<v>_".
func versionPrefix(v int) string { return "k" + strconv.Itoa(v) + "_" }

// optTime reads a nullable time column.
func optTime(v any) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := dbTime(v)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// RetireKeys marks retired every non-current, live key version of the
// tenant that no row references any more, and returns those versions.
func (s *Subjects) RetireKeys(ctx context.Context, tenant string) ([]int, error) {
	vs, err := s.w.keyVersions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, v := range vs {
		if v.Current || v.Retired != nil {
			continue
		}
		n, err := s.references(ctx, tenant, v.Version)
		if err != nil {
			return out, err
		}
		if n > 0 {
			continue
		}
		if _, err := s.w.Exec(ctx, "UPDATE pseudonym_keys SET retired_at = ? WHERE tenant = ? AND version = ? AND retired_at IS NULL",
			s.w.d.timeArg(s.w.now().UTC()), tenant, v.Version); err != nil {
			return out, fmt.Errorf("retiring key version: %w", err)
		}
		out = append(out, v.Version)
	}
	return out, nil
}
