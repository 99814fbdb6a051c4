package pipeline

import (
	"errors"
	"fmt"
)

// Error kinds. Every error tally returns wraps at most one of them; callers
// decide what to do with errors.Is.
var (
	// ErrTransient means the operation may succeed if retried after a
	// backoff (a 5xx, a 429, a broken connection).
	ErrTransient = errors.New("transient")
	// ErrInvalid means one record is bad; it goes to quarantine and the
	// batch goes on.
	ErrInvalid = errors.New("invalid record")
	// ErrConfig means the configuration or the credentials are wrong;
	// retrying will not help.
	ErrConfig = errors.New("configuration")
	// ErrQuota means a source's request budget is spent; the run stops
	// cleanly with its cursor committed and resumes later.
	ErrQuota = errors.New("quota exhausted")
	// ErrForbidden means a request was refused before it left the
	// process because it is not on the connector's read-only allow-list.
	ErrForbidden = errors.New("request not on the read-only allow-list")
	// ErrDrop means a stage removed the record on purpose (for example a
	// suppressed subject); it is neither written nor quarantined.
	ErrDrop = errors.New("dropped")
)

// FieldError is the error of a stage that rejects a record. It names the
// field and the rule, never the value, so it is safe to log and to store
// in quarantine.
type FieldError struct {
	Field string // canonical field name, or "" for the whole record
	Rule  string // short rule name, e.g. "email", "type", "required"
	Kind  error  // ErrInvalid unless stated otherwise
}

// Invalid returns a FieldError of kind ErrInvalid.
func Invalid(field, rule string) error {
	return &FieldError{Field: field, Rule: rule, Kind: ErrInvalid}
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("record: rule %s", e.Rule)
	}
	return fmt.Sprintf("field %s: rule %s", e.Field, e.Rule)
}

// Unwrap returns the error kind.
func (e *FieldError) Unwrap() error { return e.Kind }
