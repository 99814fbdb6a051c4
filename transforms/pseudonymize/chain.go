package pseudonymize

import (
	"fmt"
	"maps"
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
	k.mu.Lock()
	defer k.mu.Unlock()
	all := map[string]map[int]int{}
	if old := k.chains.Load(); old != nil {
		maps.Copy(all, *old)
	}
	all[tenant] = m
	k.chains.Store(&all)
	return nil
}

// Parent returns the version that version of tenant was rekeyed from, or
// 0 when it is not chained.
func (k *Keyring) Parent(tenant string, version int) int {
	all := k.chains.Load()
	if all == nil {
		return 0
	}
	return (*all)[tenant][version]
}

// Rekey returns the pseudonym that key version gives old, a pseudonym of
// the version it is chained to: "k<version>_" and the base32 of the first
// 16 bytes of HMAC-SHA-256(key of version, "rekey\x00" + old). The
// mapping is injective in practice (128 bits) and needs no source id.
func (k *Keyring) Rekey(tenant, old string, version int) string {
	return hmacPseudonym(k.macs(tenant, version), version, "rekey\x00", false, old)
}

// encodePseudonym formats "k<version>_" and the base32 of the first
// pseudonymBytes of sum.
func encodePseudonym(version int, sum []byte) string {
	var out [64]byte
	b := strconv.AppendInt(append(out[:0], 'k'), int64(version), 10)
	return string(encoding.AppendEncode(append(b, '_'), sum[:pseudonymBytes]))
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
