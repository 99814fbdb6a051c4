package config

import (
	"strings"
	"testing"
)

// wantProblems reports on t unless ps holds exactly len(want) problems,
// each of want contained in their message.
func wantProblems(t *testing.T, ps Problems, want []string) {
	t.Helper()
	if len(ps) != len(want) {
		t.Errorf("Validate() = %d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for _, w := range want {
		if !strings.Contains(ps.Error(), w) {
			t.Errorf("Validate() lacks %q:\n%v", w, ps)
		}
	}
}
