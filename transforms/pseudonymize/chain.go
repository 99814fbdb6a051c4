package pseudonymize

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"strconv"
)

// Chain records which key versions of tenant are chained: parents maps a
// version to the version it was rekeyed from. A chained version makes no
// pseudonym of its own: its pseudonym of a value is Rekey of the
// parent's pseudonym of that value, so records pseudonymized after a
// rekey get exactly the pseudonyms the rekey gave the stored rows, which
// hold only pseudonyms and could not be re-pseudonymized from source ids.
// Chain replaces what an earlier call recorded for the tenant; a parent
// must be at least 1 and lower than its version.
func (k *Keyring) Chain(tenant string, parents map[int]int) error {
	m := make(map[int]int, len(parents))
	for v, p := range parents {
		if p < 1 || p >= v {
			return fmt.Errorf("pseudonym key version %d cannot be chained to version %d", v, p)
		}
		m[v] = p
	}
	k.chains.Store(tenant, m)
	return nil
}

// Parent returns the version that version of tenant was rekeyed from, or
// 0 when it is not chained.
func (k *Keyring) Parent(tenant string, version int) int {
	m, ok := k.chains.Load(tenant)
	if !ok {
		return 0
	}
	return m.(map[int]int)[version]
}

// Rekey returns the pseudonym that key version gives old, a pseudonym of
// the version it is chained to: "k<version>_" and the base32 of the first
// 16 bytes of HMAC-SHA-256(key of version, "rekey\x00" + old). The
// mapping is injective in practice (128 bits) and needs no source id.
func (k *Keyring) Rekey(tenant, old string, version int) string {
	pool := k.macs(tenant, version)
	mac := pool.Get().(hash.Hash)
	mac.Reset()
	mac.Write([]byte("rekey\x00"))
	mac.Write([]byte(old))
	var sum [sha256.Size]byte
	b := mac.Sum(sum[:0])
	pool.Put(mac)
	return encodePseudonym(version, b)
}

// encodePseudonym formats "k<version>_" and the base32 of the first
// pseudonymBytes of sum.
func encodePseudonym(version int, sum []byte) string {
	prefix := "k" + strconv.Itoa(version) + "_"
	out := make([]byte, len(prefix), len(prefix)+encoding.EncodedLen(pseudonymBytes))
	copy(out, prefix)
	return string(encoding.AppendEncode(out, sum[:pseudonymBytes]))
}

// Version returns the key version of a pseudonym ("k12_…" → 12), or 0
// when s is not one.
func Version(s string) int {
	if !IsPseudonym(s) {
		return 0
	}
	v, err := strconv.Atoi(s[1 : len(s)-27])
	if err != nil {
		return 0
	}
	return v
}
