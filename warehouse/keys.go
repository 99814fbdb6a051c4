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
	cur, err := w.CurrentVersion(ctx, tenant, def)
	if err != nil {
		return 0, err
	}
	now := w.now().UTC()
	ins := "INSERT INTO pseudonym_keys (tenant, version, created_at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (tenant, version) DO NOTHING"
	// Record the version in use before the rotation too, so lookups know it.
	for _, v := range []int{cur, cur + 1} {
		if _, err := w.Exec(ctx, ins, tenant, v, w.d.timeArg(now), w.d.timeArg(now.Add(keyTTL))); err != nil {
			return 0, fmt.Errorf("storing key version: %w", err)
		}
	}
	return cur + 1, nil
}

// liveVersions returns every key version of the tenant that may still be
// referenced: the stored versions not retired, and 1..def when the
// tenant has none stored.
func (s *Subjects) liveVersions(ctx context.Context, tenant string) ([]int, error) {
	vs, err := s.w.keyVersions(ctx, tenant)
	if err != nil {
		return nil, err
	}
	var out []int
	for _, v := range vs {
		if v.Retired == nil {
			out = append(out, v.Version)
		}
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
		"SELECT version, created_at, retired_at FROM pseudonym_keys WHERE tenant = ? ORDER BY version"), tenant)
	if err != nil {
		return nil, fmt.Errorf("reading key versions: %w", redact(err))
	}
	defer rows.Close()
	var out []KeyVersion
	for rows.Next() {
		var v KeyVersion
		var created, retired any
		if err := rows.Scan(&v.Version, &created, &retired); err != nil {
			return nil, fmt.Errorf("reading key versions: %w", redact(err))
		}
		if v.Created, err = dbTime(created); err != nil {
			return nil, fmt.Errorf("column created_at: %w", err)
		}
		if retired != nil {
			t, err := dbTime(retired)
			if err != nil {
				return nil, fmt.Errorf("column retired_at: %w", err)
			}
			v.Retired = &t
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

// references counts rows of the tenant holding a pseudonym of version v.
func (s *Subjects) references(ctx context.Context, tenant string, v int) (int64, error) {
	prefix := "k" + strconv.Itoa(v) + "_%"
	var total int64
	count := func(table string, cols []string) error {
		for _, c := range cols {
			var n int64
			q := "SELECT count(*) FROM " + table + " WHERE tenant = ? AND " + c + " LIKE ?"
			if err := s.w.db.QueryRowContext(ctx, s.w.db.Rebind(q), tenant, prefix).Scan(&n); err != nil {
				return fmt.Errorf("counting %s references: %w", table, redact(err))
			}
			total += n
		}
		return nil
	}
	for _, t := range s.factTables() {
		if err := count(t, s.refCols[t]); err != nil {
			return 0, err
		}
	}
	if err := count("kpi_daily", []string{"rep"}); err != nil {
		return 0, err
	}
	if err := count("identity_vault", []string{"rep", "lookup"}); err != nil {
		return 0, err
	}
	return total, nil
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
