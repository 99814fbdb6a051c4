package suppress

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/vault"
)

var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Tokens computes suppression tokens. It is safe for concurrent use and
// never prints key material.
type Tokens struct {
	master []byte
	keys   sync.Map // tenant → []byte
}

// NewTokens returns a token maker over a copy of master (≥ 32 bytes).
func NewTokens(master []byte) (*Tokens, error) {
	if len(master) < 32 {
		return nil, fmt.Errorf("suppression master secret is %d bytes, need at least 32", len(master))
	}
	return &Tokens{master: append([]byte(nil), master...)}, nil
}

// Token returns the suppression token of a source id of kind (an object
// name such as "user" or "lead") for tenant: "s_" and 26 base32
// characters.
func (t *Tokens) Token(tenant, kind, id string) string {
	k, ok := t.keys.Load(tenant)
	if !ok {
		k = vault.DeriveKey(t.master, "tally/suppress/v1/tenant/"+tenant)
		t.keys.Store(tenant, k)
	}
	mac := hmac.New(sha256.New, k.([]byte))
	mac.Write([]byte(kind))
	mac.Write([]byte{0})
	mac.Write([]byte(id))
	return "s_" + encoding.EncodeToString(mac.Sum(nil)[:16])
}

// String hides key material.
func (t *Tokens) String() string { return "suppress.Tokens{}" }

// Stage drops records of suppressed subjects. It is safe for concurrent
// use; Update may run concurrently with Apply.
type Stage struct {
	tokens *Tokens
	refs   map[string][]schemas.Field // object → person fields with Refers
	kinds  map[string]string          // object → pseudonym kind of its id
	snap   atomic.Pointer[pipeline.Suppressed]
}

// New returns the stage with an empty snapshot.
func New(t *Tokens, cat *schemas.Catalog) *Stage {
	if t == nil || cat == nil {
		panic("suppress: nil tokens or catalog")
	}
	s := &Stage{tokens: t, refs: map[string][]schemas.Field{}, kinds: map[string]string{}}
	for _, name := range cat.Objects() {
		o, _ := cat.Object(name)
		s.kinds[name] = name
		for _, f := range o.Fields {
			switch {
			case f.Name == "id":
				s.kinds[name] = f.PseudonymKind(name)
			case f.Class == schemas.Person && f.Refers != "":
				s.refs[name] = append(s.refs[name], f)
			}
		}
	}
	empty := pipeline.Suppressed{}
	s.snap.Store(&empty)
	return s
}

// Update replaces the snapshot; the stage keeps snap and never modifies
// it.
func (s *Stage) Update(snap pipeline.Suppressed) {
	if snap == nil {
		snap = pipeline.Suppressed{}
	}
	s.snap.Store(&snap)
}

// Name returns "suppress".
func (s *Stage) Name() string { return "suppress" }

// Apply returns pipeline.ErrDrop when the token of r.ID or of any
// string person reference of r is suppressed for r.Tenant; nil
// otherwise. It must run before pseudonymize (it reads raw ids) and
// never changes r.
func (s *Stage) Apply(r *pipeline.Record) error {
	snap := *s.snap.Load()
	if len(snap[r.Tenant]) == 0 {
		return nil
	}
	if r.ID != "" && snap.Has(r.Tenant, s.tokens.Token(r.Tenant, s.kinds[r.Object], r.ID)) {
		return pipeline.ErrDrop
	}
	for _, f := range s.refs[r.Object] {
		v, _ := r.Fields[f.Name].(string)
		if v != "" && snap.Has(r.Tenant, s.tokens.Token(r.Tenant, f.Refers, v)) {
			return pipeline.ErrDrop
		}
	}
	return nil
}
