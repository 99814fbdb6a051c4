// Package pseudonymize replaces identifiers with keyed pseudonyms: the
// record id becomes the record Key, and every person reference (a deal's
// owner_id) becomes the pseudonym of the object it refers to, so that a
// deal's owner and the user record it names share one rep pseudonym.
//
// A pseudonym is HMAC-SHA-256 over (kind, value) under a key derived per
// tenant and key version from a master secret with HKDF, truncated to
// 128 bits, base32-encoded and prefixed with the key version:
//
//	k1_mfrggzdfmztwq2lknnwg23tpoa
//
// Pseudonyms of different tenants are unlinkable without the master
// secret, and the version prefix lets keys rotate without ambiguity:
// lookups for subject rights compute every version with PseudonymVersion.
package pseudonymize
