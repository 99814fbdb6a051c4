// Package csvfiletest writes deterministic CRM export files for the csv
// connector's tests and for `tally demo`: a deals export shaped like the
// ones CRMs produce (a header row, quoted cells, personal columns such as
// the deal name and the contact's email and phone next to the numbers).
//
// A Dataset computes each row from (seed, index), so WriteFile streams a
// million rows without holding them. Tests grow a written file the way a
// re-export or an append-only export would: AppendChange, AppendDelete,
// AppendMalformedValue and AppendRaw add rows at its end.
package csvfiletest
