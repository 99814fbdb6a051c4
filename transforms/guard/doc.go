// Package guard is the last transform stage: the egress check in front of
// the warehouse. It enforces the invariant that no raw personal value is
// stored. A record passes only if its key and every identifier or person
// field hold pseudonyms, it carries no field minimize should have
// deleted, and no other string value looks like an email address, phone
// number, payment card number (Luhn), IBAN (mod 97) or US SSN.
//
// Before matching, values are normalized against common evasions:
// full-width and other Unicode digits and symbols are folded to ASCII,
// invisible format characters are removed, Unicode dashes and spaces are
// unified, and spelled-out forms such as "jane(at)example(dot)org" are
// recognized.
//
// A rejection is a pipeline.FieldError naming the field and the rule,
// never the value, so it can be logged and quarantined safely.
package guard
