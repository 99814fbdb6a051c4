package pseudonymize_test

import (
	"testing"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/pseudonymize"
)

// TestKeyMatchesApply: the key a reconcile computes for a source id is
// the Key Apply gives the record, under the current and older versions.
func TestKeyMatchesApply(t *testing.T) {
	for _, version := range []int{1, 2, 11} {
		s := pseudonymize.New(keyring(t, version), schemas.Default())
		for _, object := range []string{"deal", "lead", "activity", "user", "placement"} {
			r := pipeline.Record{Tenant: "acme", Object: object, ID: "0065g00000AbCdE", Op: pipeline.OpDelete}
			if err := s.Apply(&r); err != nil {
				t.Fatalf("Apply(%s) = %v", object, err)
			}
			got, err := s.Key("acme", object, "0065g00000AbCdE", version)
			if err != nil || got != r.Key {
				t.Errorf("Key(acme, %s, id, %d) = %q, %v, want %q (Apply's key)", object, version, got, err, r.Key)
			}
			if v, ok := s.KeyVersion(got); !ok || v != version {
				t.Errorf("KeyVersion(%q) = %d, %v, want %d, true", got, v, ok, version)
			}
		}
	}
}

func TestKeyErrors(t *testing.T) {
	s := pseudonymize.New(keyring(t, 1), schemas.Default())
	if _, err := s.Key("acme", "invoice", "1", 1); err == nil {
		t.Error("Key of an unknown object = nil error, want one")
	}
	if _, err := s.Key("acme", "deal", "1", 0); err == nil {
		t.Error("Key under version 0 = nil error, want one")
	}
	for _, key := range []string{"", "k1_short", "x1_abcdefghijklmnopqrstuvwxyz", "k0_abcdefghijklmnopqrstuvwxyz", "0065g00000AbCdE"} {
		if v, ok := s.KeyVersion(key); ok {
			t.Errorf("KeyVersion(%q) = %d, true, want false", key, v)
		}
	}
}
