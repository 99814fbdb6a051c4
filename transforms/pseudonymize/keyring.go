package pseudonymize

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
)

// MinMasterLen is the shortest master secret NewKeyring accepts, in bytes.
const MinMasterLen = 32

// pseudonymBytes is how much of the HMAC a pseudonym keeps: 128 bits, so
// collisions stay out of reach for any CRM's record count.
const pseudonymBytes = 16

var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// IsPseudonym reports whether s has the form of a pseudonym: "k", a key
// version, "_" and 26 lower-case base32 characters; that is, whether it
// matches ^k[0-9]+_[a-z2-7]{26}$.
func IsPseudonym(s string) bool {
	const body = 26
	if len(s) < len("k1_")+body || s[0] != 'k' {
		return false
	}
	sep := len(s) - body - 1
	if s[sep] != '_' || sep < 2 {
		return false
	}
	for i := 1; i < sep; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	for i := sep + 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// Keyring derives and caches the per-tenant pseudonym keys of one master
// secret. It is safe for concurrent use. It never prints key material:
// String, GoString, Format and LogValue show only the current version.
type Keyring struct {
	master  []byte
	current int
	mu      sync.Mutex // serializes the writers of keys and chains
	// Both maps are copied on write, so the per-record path reads them
	// without a lock or an allocation.
	keys   atomic.Pointer[map[keyID]*sync.Pool]   // → pool of *macState under that key
	chains atomic.Pointer[map[string]map[int]int] // tenant → version → parent (chain.go)
}

// macState is a keyed HMAC with the buffers one pseudonym needs, reused
// through its key's sync.Pool (one per goroutine at a time) so that a
// pseudonym allocates nothing but its result.
type macState struct {
	mac hash.Hash
	msg []byte
	sum []byte
}

// maxPooledMsg bounds the message buffer a macState keeps.
const maxPooledMsg = 4 << 10

// hmacPseudonym returns the pseudonym of the HMAC of a, a zero byte when sep is
// set, and b, under the pool's key.
func hmacPseudonym(pool *sync.Pool, version int, a string, sep bool, b string) string {
	st := pool.Get().(*macState)
	st.mac.Reset()
	st.msg = append(st.msg[:0], a...)
	if sep {
		st.msg = append(st.msg, 0)
	}
	st.msg = append(st.msg, b...)
	st.mac.Write(st.msg)
	st.sum = st.mac.Sum(st.sum[:0])
	p := encodePseudonym(version, st.sum)
	if cap(st.msg) > maxPooledMsg {
		st.msg = nil
	}
	pool.Put(st)
	return p
}

type keyID struct {
	tenant  string
	version int
}

// NewKeyring returns a keyring over a copy of master that pseudonymizes
// under key version current. It fails when master is shorter than
// MinMasterLen bytes or current is less than 1.
func NewKeyring(master []byte, current int) (*Keyring, error) {
	if len(master) < MinMasterLen {
		return nil, fmt.Errorf("pseudonym master secret is %d bytes, need at least %d", len(master), MinMasterLen)
	}
	if current < 1 {
		return nil, errors.New("pseudonym key version must be at least 1")
	}
	return &Keyring{master: append([]byte(nil), master...), current: current}, nil
}

// Current returns the key version new pseudonyms are made with.
func (k *Keyring) Current() int { return k.current }

// Pseudonym returns the pseudonym of value of the given kind (an object
// name such as "user") for tenant, under the current key version. It is
// deterministic: the same arguments always give the same pseudonym.
func (k *Keyring) Pseudonym(tenant, kind, value string) string {
	return k.PseudonymVersion(tenant, kind, value, k.current)
}

// PseudonymVersion is Pseudonym under an explicit key version, for
// finding what was written under earlier keys. It returns "" when version
// is less than 1. A chained version (see Chain) rekeys its parent's
// pseudonym.
func (k *Keyring) PseudonymVersion(tenant, kind, value string, version int) string {
	if version < 1 {
		return ""
	}
	if p := k.Parent(tenant, version); p > 0 {
		return k.Rekey(tenant, k.PseudonymVersion(tenant, kind, value, p), version)
	}
	return hmacPseudonym(k.macs(tenant, version), version, kind, true, value)
}

// macs returns the pool of HMACs under the tenant's key of a version,
// deriving the key on first use. Pooling keeps the keyed HMAC state, so a
// pseudonym costs no key setup and no allocation of hash state.
func (k *Keyring) macs(tenant string, version int) *sync.Pool {
	id := keyID{tenant, version}
	if m := k.keys.Load(); m != nil {
		if pool, ok := (*m)[id]; ok {
			return pool
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	old := k.keys.Load()
	if old != nil {
		if pool, ok := (*old)[id]; ok {
			return pool
		}
	}
	info := "tally/pseudonym/v" + strconv.Itoa(version) + "/tenant/" + tenant
	key, err := hkdf.Key(sha256.New, k.master, nil, info, sha256.Size)
	if err != nil {
		// HKDF-SHA-256 fails only for outputs over 255*32 bytes.
		panic("pseudonymize: " + err.Error())
	}
	pool := &sync.Pool{New: func() any { return &macState{mac: hmac.New(sha256.New, key)} }}
	m := make(map[keyID]*sync.Pool, 1)
	if old != nil {
		maps.Copy(m, *old)
	}
	m[id] = pool
	k.keys.Store(&m)
	return pool
}

// String describes the keyring without key material.
func (k *Keyring) String() string {
	return "pseudonymize.Keyring{current: k" + strconv.Itoa(k.current) + "}"
}

// GoString is String, so %#v does not print the master secret.
func (k *Keyring) GoString() string { return k.String() }

// Format prints String for every verb, so no fmt verb (%x, %d, %+v)
// reaches the key bytes.
func (k *Keyring) Format(f fmt.State, verb rune) { fmt.Fprint(f, k.String()) }

// LogValue logs only the current key version.
func (k *Keyring) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("key_version", k.current))
}
