// Package vault captures the identity of platform users (reps,
// recruiters) for the identity vault, before minimize drops it.
//
// The vault stage runs after validate and before minimize. For each
// upsert of an object with a vault purpose (schemas.Purpose with storage
// "vault", normally user), it seals the purpose's fields with AES-GCM
// under a per-tenant key derived by HKDF from the master secret
// ("tally/vault/v1/tenant/<tenant>") and sets Record.Vault together with
// the email's pseudonym (kind "email") as the lookup. The warehouse
// writes the sealed payload in the batch's transaction; a database dump
// shows ciphertext only. CRM contacts never get a vault entry.
//
// The package also holds the AES-GCM helpers used to wrap and use
// per-subject data keys for crypto-shredding. It does no I/O.
package vault
