package pipelinetest

import (
	"strings"
	"testing"
)

// ErrorNames reports an error on t for each of want that err's message
// does not contain. err must not be nil.
func ErrorNames(t testing.TB, err error, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
}
