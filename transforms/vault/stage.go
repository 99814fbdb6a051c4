package vault

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// Pseudonyms computes pseudonyms under a tenant's current key version;
// *pseudonymize.Keyring satisfies it.
type Pseudonyms interface {
	Pseudonym(tenant, kind, value string) string
}

// Entry is the plaintext of a vault row: the purpose's fields of one
// platform user, keyed by canonical field name ("id", "email",
// "first_name", "last_name").
type Entry map[string]string

// NormalizeEmail is how emails are compared and pseudonymized for
// lookups: trimmed and lower-cased.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Stage seals vault purpose fields into Record.Vault. It is immutable
// and safe for concurrent use.
type Stage struct {
	sealer *Sealer
	keys   Pseudonyms
	fields map[string][]string // object → purpose fields
}

// New returns the vault stage for the named purposes of cat (those with
// storage "vault"); an unknown purpose is a configuration error.
func New(s *Sealer, keys Pseudonyms, cat *schemas.Catalog, purposes []string) (*Stage, error) {
	if s == nil || keys == nil || cat == nil {
		return nil, fmt.Errorf("%w: vault: nil sealer, keys or catalog", pipeline.ErrConfig)
	}
	st := &Stage{sealer: s, keys: keys, fields: map[string][]string{}}
	for _, name := range purposes {
		p, ok := cat.Purpose(name)
		if !ok {
			return nil, fmt.Errorf("%w: vault: unknown purpose %q", pipeline.ErrConfig, name)
		}
		if p.Storage == schemas.StorageVault {
			st.fields[p.Object] = append(st.fields[p.Object], p.Fields...)
		}
	}
	return st, nil
}

// Name returns "vault".
func (s *Stage) Name() string { return "vault" }

// Apply seals the purpose fields of an upsert of a vault object (the id
// is taken from r.ID) into r.Vault, with the pseudonym of the normalized
// email as its lookup ("" when there is no email). It leaves Fields
// alone (minimize drops them) and does nothing for other records or
// when the record carries no identity field. A non-string value is
// invalid, naming the field.
func (s *Stage) Apply(r *pipeline.Record) error {
	fields := s.fields[r.Object]
	if len(fields) == 0 || r.Op != pipeline.OpUpsert {
		return nil
	}
	e := Entry{}
	for _, f := range fields {
		if f == "id" {
			if r.ID != "" {
				e["id"] = r.ID
			}
			continue
		}
		v, ok := r.Fields[f]
		if !ok || v == nil {
			continue
		}
		str, ok := v.(string)
		if !ok {
			return pipeline.Invalid(f, "type")
		}
		if str != "" {
			e[f] = str
		}
	}
	if len(e) <= 1 { // nothing but the id: nothing to vault
		return nil
	}
	plain, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding vault entry: %w", err)
	}
	sealed, err := s.sealer.Seal(r.Tenant, plain)
	if err != nil {
		return fmt.Errorf("sealing vault entry: %w", err)
	}
	id := &pipeline.Identity{Sealed: sealed, KeyVersion: 1}
	if email := NormalizeEmail(e["email"]); email != "" {
		id.Lookup = s.keys.Pseudonym(r.Tenant, "email", email)
		id.KeyVersion = keyVersion(id.Lookup)
	}
	r.Vault = id
	return nil
}

// keyVersion reads N from a pseudonym "kN_…" (1 when it has none).
func keyVersion(p string) int {
	n := 0
	for i := 1; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		n = n*10 + int(p[i]-'0')
	}
	return max(n, 1)
}
