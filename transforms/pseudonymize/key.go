package pseudonymize

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tally-dev/tally/pipeline"
)

var _ pipeline.KeyMapper = (*Stage)(nil)

// Key returns the Key Apply gives a record of (tenant, object) with
// source id when version is the current key version. A reconcile maps
// the ids a CRM still lists to the keys the warehouse holds with it,
// under every version the warehouse holds. It fails for an object the
// catalog does not know and for a version below 1.
func (s *Stage) Key(tenant, object, id string, version int) (string, error) {
	obj, ok := s.cat.Object(object)
	if !ok {
		return "", fmt.Errorf("pseudonymize: unknown object %q", object)
	}
	if version < 1 {
		return "", fmt.Errorf("pseudonymize: key version %d is below 1", version)
	}
	return s.k.PseudonymVersion(tenant, idKind(obj), id, version), nil
}

// KeyVersion returns the key version of a pseudonym ("k3_…" → 3), and
// false for a string that is not a pseudonym (see IsPseudonym).
func (s *Stage) KeyVersion(key string) (int, bool) {
	if !IsPseudonym(key) {
		return 0, false
	}
	digits, _, _ := strings.Cut(key[1:], "_")
	v, err := strconv.Atoi(digits)
	if err != nil || v < 1 {
		return 0, false
	}
	return v, true
}
