package pipeline

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// FieldStatus says whether the vendor property behind one projected
// field could be verified to exist. It names properties, never values.
type FieldStatus struct {
	Object   string // canonical object, e.g. "deal"
	Field    string // canonical field, e.g. "amount"
	Property string // the vendor's property (or column) feeding Field
	Verified bool   // the vendor reported the property (or the column is in the header)
	// Reason says why the property was not verified ("not in the
	// properties API", "column not in the header", "metadata not
	// readable: …"); empty when Verified.
	Reason string
}

// FieldChecker is implemented by sources that can tell, without pulling
// records, whether the vendor properties their projection reads exist:
// `tally check` calls CheckFields after Open (and after Check, when the
// source is a Checker) and prints what it could and could not verify.
//
// CheckFields makes metadata reads only (a properties API, a field list,
// a header row, or at most one sample page per object) and discards
// them. It returns one FieldStatus per projected (object, field) that
// maps to a vendor property, sorted by object then field; fields the
// source derives itself (the record id, a deleted flag) may be omitted.
// A property the vendor does not report is a FieldStatus with Verified
// false, not an error; the error is for a failed read (wrapping
// ErrConfig for rejected credentials, ErrTransient when retries ran
// out). It is not called concurrently with Sync.
type FieldChecker interface {
	CheckFields(ctx context.Context) ([]FieldStatus, error)
}

// CheckedField is the status of a field whose vendor property was
// looked for: reason (why it is unverified) is kept only when verified
// is false.
func CheckedField(object, field, property string, verified bool, reason string) FieldStatus {
	if verified {
		reason = ""
	}
	return FieldStatus{Object: object, Field: field, Property: property, Verified: verified, Reason: reason}
}

// AppendUnmapped appends to out an unverified status, with no property
// and the given reason, for each projected field of object that no
// vendor property maps to.
func AppendUnmapped(out []FieldStatus, object string, fields []string, reason string) []FieldStatus {
	for _, f := range fields {
		out = append(out, FieldStatus{Object: object, Field: f, Reason: reason})
	}
	return out
}

// SortFieldStatuses sorts statuses as FieldChecker returns them: by
// object, then field, then property.
func SortFieldStatuses(out []FieldStatus) {
	slices.SortStableFunc(out, func(a, b FieldStatus) int {
		return cmp.Or(strings.Compare(a.Object, b.Object), strings.Compare(a.Field, b.Field), strings.Compare(a.Property, b.Property))
	})
}
