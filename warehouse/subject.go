package warehouse

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/suppress"
	"github.com/tally-dev/tally/transforms/vault"
)

// Subjects carries out data subject requests (erase, export) and the
// privacy administration around them (vault, receipts, key versions)
// on one warehouse. It holds keys derived from the master secret and
// never prints them. It is safe for concurrent use.
type Subjects struct {
	w       *Warehouse
	cat     *schemas.Catalog
	keys    *pseudonymize.Keyring
	sealer  *vault.Sealer
	tokens  *suppress.Tokens
	master  []byte
	defVers int
	// refCols maps a fact table to the columns that hold subject
	// pseudonyms (factTable.pseudonyms).
	refCols map[string][]string
	// rekeyHook, set only by tests, runs after each committed rekey batch.
	rekeyHook func(table string) error
	// rekeyKeyOrderOnly, set only by benchmarks, skips the by-rep pass.
	rekeyKeyOrderOnly bool
}

// Subjects returns the subject-rights operations of w. master is the
// pseudonym master secret (≥ 32 bytes); defaultVersion is the key
// version configured for tenants without a stored current version.
func (w *Warehouse) Subjects(cat *schemas.Catalog, master []byte, defaultVersion int) (*Subjects, error) {
	keys, err := pseudonymize.NewKeyring(master, max(defaultVersion, 1))
	if err != nil {
		return nil, err
	}
	sealer, err := vault.NewSealer(master)
	if err != nil {
		return nil, err
	}
	tokens, err := suppress.NewTokens(master)
	if err != nil {
		return nil, err
	}
	s := &Subjects{w: w, cat: cat, keys: keys, sealer: sealer, tokens: tokens,
		master: append([]byte(nil), master...), defVers: max(defaultVersion, 1), refCols: map[string][]string{}}
	for _, t := range w.tables {
		s.refCols[t.name] = t.pseudonyms
	}
	return s, nil
}

// String hides key material.
func (s *Subjects) String() string { return "warehouse.Subjects{}" }

// Request names one data subject of one tenant: by Email (a platform
// user found through the identity vault) or by SourceID of Object (a CRM
// record id, e.g. of a contact, object "lead").
type Request struct {
	Tenant   string
	Email    string
	SourceID string
	Object   string
}

// Validate checks that exactly one of Email and SourceID is set.
func (r Request) Validate() error {
	var errs []error
	if r.Tenant == "" {
		errs = append(errs, errors.New("tenant is required"))
	}
	if (r.Email == "") == (r.SourceID == "") {
		errs = append(errs, errors.New("exactly one of email and source id is required"))
	}
	if r.SourceID != "" && r.Object == "" {
		errs = append(errs, errors.New("object is required with a source id"))
	}
	return errors.Join(errs...)
}

// subject is what a request resolves to: every pseudonym that may
// address the subject under any live key version, the email lookups,
// the suppression tokens and the vault rows found.
type subject struct {
	By         string   // "email" or "source_id"
	Pseudonyms []string // record and rep pseudonyms, all versions
	Lookups    []string // email pseudonyms, all versions
	Tokens     []string // suppression tokens
	vault      []vaultRow
}

// resolve computes the subject's pseudonyms under every live key
// version of the tenant.
func (s *Subjects) resolve(ctx context.Context, r Request) (*subject, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	versions, err := s.liveVersions(ctx, r.Tenant)
	if err != nil {
		return nil, err
	}
	sub := &subject{}
	ids := map[string]bool{} // raw user ids found in the vault
	if r.Email != "" {
		sub.By = "email"
		email := vault.NormalizeEmail(r.Email)
		for _, v := range versions {
			sub.Lookups = append(sub.Lookups, s.keys.PseudonymVersion(r.Tenant, "email", email, v))
		}
		rows, err := s.vaultRows(ctx, r.Tenant, "lookup", sub.Lookups)
		if err != nil {
			return nil, err
		}
		sub.vault = rows
		for _, row := range rows {
			sub.Pseudonyms = append(sub.Pseudonyms, row.Rep)
			if id := row.Entry["id"]; id != "" {
				ids[id] = true
			}
		}
		for id := range ids {
			sub.addID(s, r.Tenant, "user", id, versions)
		}
	} else {
		sub.By = "source_id"
		o, ok := s.cat.Object(r.Object)
		if !ok {
			return nil, fmt.Errorf("unknown object %q", r.Object)
		}
		kind := r.Object
		if f, ok := o.Field("id"); ok {
			kind = f.PseudonymKind(r.Object)
		}
		sub.addID(s, r.Tenant, kind, r.SourceID, versions)
		rows, err := s.vaultRows(ctx, r.Tenant, "rep", sub.Pseudonyms)
		if err != nil {
			return nil, err
		}
		sub.vault = rows
		for _, row := range rows {
			if row.Lookup != "" {
				sub.Lookups = append(sub.Lookups, row.Lookup)
			}
		}
	}
	sub.Pseudonyms, sub.Lookups, sub.Tokens = uniq(sub.Pseudonyms), uniq(sub.Lookups), uniq(sub.Tokens)
	return sub, nil
}

func (sub *subject) addID(s *Subjects, tenant, kind, id string, versions []int) {
	for _, v := range versions {
		sub.Pseudonyms = append(sub.Pseudonyms, s.keys.PseudonymVersion(tenant, kind, id, v))
	}
	sub.Tokens = append(sub.Tokens, s.tokens.Token(tenant, kind, id))
}

func uniq(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, v := range in {
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// refPredicate returns "(key IN (...) OR owner_id IN (...))" for a fact
// table and its arguments.
func (s *Subjects) refPredicate(table string, ps []string) (string, []any) {
	var parts []string
	var args []any
	for _, c := range s.refCols[table] {
		p, a := s.w.d.in(c, ps)
		parts = append(parts, p)
		args = append(args, a...)
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// factTables returns the fact tables in a fixed order.
func (s *Subjects) factTables() []string {
	out := make([]string, 0, len(s.refCols))
	for t := range s.refCols {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
