// Package suppress drops records of erased subjects before they reach
// the warehouse.
//
// Erasure adds a suppression token per subject to a per-tenant list in
// the warehouse. A token is an HMAC-SHA-256 of (kind, source id) under a
// per-tenant key derived from the master secret
// ("tally/suppress/v1/tenant/<tenant>"), independent of the pseudonym key
// version, so a subject stays suppressed across key rotations. The
// stage runs right after validate, on raw ids, and drops
// (pipeline.ErrDrop) every record whose own id or whose person
// references (owner_id) carry a suppressed token. It reads an immutable
// snapshot that the runner replaces (Update); it does no I/O.
package suppress
