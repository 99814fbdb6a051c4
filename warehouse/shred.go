package warehouse

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/suppress"
	"github.com/tally-dev/tally/transforms/vault"
)

// shredPrefix marks a field value sealed with a subject's data key:
// "tally-shred:v1:<subject pseudonym>:<base64 AES-GCM>".
const shredPrefix = "tally-shred:v1:"

// shredCacheTTL bounds how long a process keeps using a data key after
// another process erased it.
const shredCacheTTL = time.Minute

// Shredder implements pipeline.Shredder with per-subject data keys kept
// in subject_keys, wrapped by a key derived from the master secret. The
// subject of a record is the record itself: its pseudonym under the
// tenant's current key version, the value erasure looks up. Personal
// fields are those of classes person (without refers), contact_pii,
// free_text and secret; identifiers stay readable because they route
// messages (Kafka key) and are opaque CRM ids.
type Shredder struct {
	w        *Warehouse
	keys     vault.Pseudonyms
	kek      []byte
	personal map[string][]string // object → personal fields
	kinds    map[string]string   // object → pseudonym kind of its id
	cache    sync.Map            // tenant+"/"+subject → cached
	shredded atomic.Int64
	tokens   *suppress.Tokens
	snap     atomic.Pointer[pipeline.Suppressed]
	// ring and chains find the keys of subjects renamed by a rekey.
	ring    *pseudonymize.Keyring
	defVers int
	chains  sync.Map // tenant → cachedChain
}

type cachedChain struct {
	parents map[int]int
	expires time.Time
}

type cached struct {
	key     []byte
	expires time.Time
}

var _ pipeline.Shredder = (*Shredder)(nil)

// Shredder returns the crypto-shredder of the warehouse; keys gives each
// tenant's pseudonyms under its current version.
func (s *Subjects) Shredder(keys vault.Pseudonyms) *Shredder {
	sh := &Shredder{w: s.w, keys: keys, kek: s.shredKEK(),
		personal: map[string][]string{}, kinds: map[string]string{}, tokens: s.tokens, ring: s.keys, defVers: s.defVers}
	sh.snap.Store(&pipeline.Suppressed{})
	for _, name := range s.cat.Objects() {
		o, _ := s.cat.Object(name)
		sh.kinds[name] = name
		for _, f := range o.Fields {
			switch {
			case f.Name == "id":
				sh.kinds[name] = f.PseudonymKind(name)
			case f.Class == schemas.ContactPII || f.Class == schemas.FreeText || f.Class == schemas.Secret,
				f.Class == schemas.Person && f.Refers == "":
				sh.personal[name] = append(sh.personal[name], f.Name)
			}
		}
	}
	return sh
}

// shredKEK is the key that wraps every subject data key.
func (s *Subjects) shredKEK() []byte { return vault.DeriveKey(s.master, "tally/shred/v1/kek") }

// Shredded returns how many consumed records were dropped because their
// subject's data key was erased.
func (sh *Shredder) Shredded() int64 { return sh.shredded.Load() }

// Update replaces the suppression snapshot Seal consults; the runner
// calls it with every refresh.
func (sh *Shredder) Update(snap pipeline.Suppressed) { sh.snap.Store(&snap) }

// Seal encrypts the personal fields of recs in place, creating data keys
// for subjects that have none. An erased (suppressed) subject gets no new
// key: its personal fields are removed before publishing instead.
func (sh *Shredder) Seal(ctx context.Context, recs []pipeline.Record) error {
	need := map[string]map[string]bool{} // tenant → subjects
	subjects := make([]string, len(recs))
	snap := *sh.snap.Load()
	for i := range recs {
		r := &recs[i]
		if r.ID == "" || !sh.hasPersonal(r) {
			continue
		}
		if len(snap[r.Tenant]) > 0 && snap.Has(r.Tenant, sh.tokens.Token(r.Tenant, sh.kinds[r.Object], r.ID)) {
			for _, f := range sh.personal[r.Object] {
				delete(r.Fields, f)
			}
			continue
		}
		subjects[i] = sh.keys.Pseudonym(r.Tenant, sh.kinds[r.Object], r.ID)
		if need[r.Tenant] == nil {
			need[r.Tenant] = map[string]bool{}
		}
		need[r.Tenant][subjects[i]] = true
	}
	keys := map[string][]byte{}
	for tenant, set := range need {
		if err := sh.dataKeys(ctx, tenant, sortedKeys(set), true, keys); err != nil {
			return err
		}
	}
	for i := range recs {
		if subjects[i] == "" {
			continue
		}
		r := &recs[i]
		dk := keys[r.Tenant+"/"+subjects[i]]
		for _, f := range sh.personal[r.Object] {
			v, ok := r.Fields[f]
			if !ok || v == nil {
				continue
			}
			plain, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("field %s: %w", f, pipeline.ErrInvalid)
			}
			sealed, err := vault.SealWith(dk, plain, subjects[i]+"/"+f)
			if err != nil {
				return err
			}
			r.Fields[f] = shredPrefix + subjects[i] + ":" + base64.RawStdEncoding.EncodeToString(sealed)
		}
	}
	return nil
}

func (sh *Shredder) hasPersonal(r *pipeline.Record) bool {
	for _, f := range sh.personal[r.Object] {
		if v, ok := r.Fields[f]; ok && v != nil {
			return true
		}
	}
	return false
}

// Open decrypts sealed fields of r in place. A field whose subject has
// no data key any more (erased) makes the record drop (pipeline.ErrDrop,
// counted by Shredded); a malformed or undecryptable value is invalid.
func (sh *Shredder) Open(ctx context.Context, r *pipeline.Record) error {
	for f, v := range r.Fields {
		str, ok := v.(string)
		if !ok || !strings.HasPrefix(str, shredPrefix) {
			continue
		}
		subject, b64, ok := strings.Cut(str[len(shredPrefix):], ":")
		sealed, err := base64.RawStdEncoding.DecodeString(b64)
		if !ok || err != nil {
			return pipeline.Invalid(f, "shred_format")
		}
		keys := map[string][]byte{}
		if err := sh.dataKeys(ctx, r.Tenant, []string{subject}, false, keys); err != nil {
			return err
		}
		dk := keys[r.Tenant+"/"+subject]
		if dk == nil {
			if dk, err = sh.rekeyedKey(ctx, r.Tenant, subject); err != nil {
				return err
			}
		}
		if dk == nil {
			sh.shredded.Add(1)
			return fmt.Errorf("subject key erased: %w", pipeline.ErrDrop)
		}
		plain, err := vault.OpenWith(dk, sealed, subject+"/"+f)
		if err != nil {
			return pipeline.Invalid(f, "shred_open")
		}
		var val any
		if err := json.Unmarshal(plain, &val); err != nil {
			return pipeline.Invalid(f, "shred_decode")
		}
		r.Fields[f] = val
	}
	return nil
}

// rekeyedKey returns the data key of a subject that a raw message names
// under a key version rekeyed since: Rekey renamed the key's row along
// the chain of versions. It returns nil when there is none (erased).
func (sh *Shredder) rekeyedKey(ctx context.Context, tenant, subject string) ([]byte, error) {
	c, ok := sh.chains.Load(tenant)
	if !ok || time.Now().After(c.(cachedChain).expires) {
		kc, err := sh.w.KeyChain(ctx, tenant, sh.defVers)
		if err != nil {
			return nil, err
		}
		c = cachedChain{kc.Parents, time.Now().Add(shredCacheTTL)}
		sh.chains.Store(tenant, c)
	}
	parents := c.(cachedChain).parents
	var names []string
	for name := subject; ; {
		child := 0
		for v, p := range parents {
			if p == pseudonymize.Version(name) {
				child = v
			}
		}
		if child == 0 {
			break
		}
		name = sh.ring.Rekey(tenant, name, child)
		names = append(names, name)
	}
	if len(names) == 0 {
		return nil, nil
	}
	keys := map[string][]byte{}
	if err := sh.dataKeys(ctx, tenant, names, false, keys); err != nil {
		return nil, err
	}
	for i := len(names) - 1; i >= 0; i-- {
		if dk := keys[tenant+"/"+names[i]]; dk != nil {
			sh.cache.Store(tenant+"/"+subject, cached{dk, time.Now().Add(shredCacheTTL)})
			return dk, nil
		}
	}
	return nil, nil
}

// dataKeys fills out[tenant/subject] with the unwrapped data keys of
// subjects, from the cache or subject_keys, creating missing ones when
// create is set.
func (sh *Shredder) dataKeys(ctx context.Context, tenant string, subjects []string, create bool, out map[string][]byte) error {
	now := time.Now()
	var miss []string
	for _, sub := range subjects {
		if c, ok := sh.cache.Load(tenant + "/" + sub); ok && now.Before(c.(cached).expires) {
			out[tenant+"/"+sub] = c.(cached).key
			continue
		}
		miss = append(miss, sub)
	}
	if len(miss) == 0 {
		return nil
	}
	if create {
		if err := sh.createKeys(ctx, tenant, miss); err != nil {
			return err
		}
	}
	pred, args := sh.w.d.in("subject", miss)
	rows, err := sh.w.db.QueryContext(ctx, sh.w.db.Rebind("SELECT subject, wrapped FROM subject_keys WHERE tenant = ? AND "+pred),
		append([]any{tenant}, args...)...)
	if err != nil {
		return fmt.Errorf("reading subject keys: %w", redact(err))
	}
	defer rows.Close()
	for rows.Next() {
		var sub string
		var wrapped []byte
		if err := rows.Scan(&sub, &wrapped); err != nil {
			return fmt.Errorf("reading subject keys: %w", redact(err))
		}
		dk, err := vault.OpenWith(sh.kek, wrapped, "shred/"+tenant+"/"+sub)
		if err != nil {
			return fmt.Errorf("unwrapping subject key: %w", err)
		}
		out[tenant+"/"+sub] = dk
		sh.cache.Store(tenant+"/"+sub, cached{dk, now.Add(shredCacheTTL)})
	}
	return redact(rows.Err())
}

// createKeys inserts a fresh wrapped data key for each subject that has
// none, in one transaction (one commit, not one per subject); concurrent
// creators race harmlessly (ON CONFLICT DO NOTHING, the stored key wins;
// subjects are inserted in sorted order so two creators cannot deadlock).
func (sh *Shredder) createKeys(ctx context.Context, tenant string, subjects []string) error {
	now := sh.w.now().UTC()
	subjects = slices.Sorted(slices.Values(subjects))
	tx, err := sh.w.begin(ctx)
	if err != nil {
		return fmt.Errorf("storing subject keys: %w", err)
	}
	defer tx.rollback()
	for _, sub := range subjects {
		dk := make([]byte, 32)
		if _, err := rand.Read(dk); err != nil {
			return fmt.Errorf("generating subject key: %w", err)
		}
		wrapped, err := vault.SealWith(sh.kek, dk, "shred/"+tenant+"/"+sub)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "INSERT INTO subject_keys (tenant, subject, wrapped, created_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, subject) DO NOTHING",
			tenant, sub, wrapped, sh.w.d.timeArg(now), sh.w.d.timeArg(now.Add(sh.w.cfg.FactTTL))); err != nil {
			return fmt.Errorf("storing subject key: %w", err)
		}
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("storing subject keys: %w", err)
	}
	return nil
}
