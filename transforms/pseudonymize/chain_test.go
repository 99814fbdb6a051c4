package pseudonymize_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"

	"github.com/tally-dev/tally/transforms/pseudonymize"
)

// referenceRekey computes a chained pseudonym from RFC 5869 and RFC 2104,
// independently of the package.
func referenceRekey(tenant, old string, version int) string {
	mac := func(key []byte, parts ...[]byte) []byte {
		h := hmac.New(sha256.New, key)
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	prk := mac(make([]byte, sha256.Size), master)
	key := mac(prk, []byte(fmt.Sprintf("tally/pseudonym/v%d/tenant/%s", version, tenant)), []byte{1})
	sum := mac(key, []byte("rekey\x00"+old))
	return fmt.Sprintf("k%d_%s", version, strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16])))
}

func TestRekeyMatchesReference(t *testing.T) {
	k := keyring(t, 1)
	old := k.Pseudonym("acme", "user", "77")
	if got, want := k.Rekey("acme", old, 2), referenceRekey("acme", old, 2); got != want {
		t.Errorf("Rekey(%s, 2) = %s, want %s", old, got, want)
	}
}

func TestChainedVersionRekeysItsParent(t *testing.T) {
	k2 := keyring(t, 2)
	direct := k2.Pseudonym("acme", "user", "77")
	if err := k2.Chain("acme", map[int]int{2: 1, 3: 2}); err != nil {
		t.Fatal(err)
	}
	p1 := k2.PseudonymVersion("acme", "user", "77", 1)
	p2 := k2.Pseudonym("acme", "user", "77")
	if p2 == direct || p2 != k2.Rekey("acme", p1, 2) {
		t.Errorf("chained k2 pseudonym = %s, want Rekey(k1) = %s (not the direct %s)", p2, k2.Rekey("acme", p1, 2), direct)
	}
	if p3 := k2.PseudonymVersion("acme", "user", "77", 3); p3 != k2.Rekey("acme", p2, 3) {
		t.Errorf("k3 = %s, want Rekey(k2) through the chain", p3)
	}
	// The chain is per tenant.
	if g := k2.Pseudonym("globex", "user", "77"); g != reference("globex", "user", "77", 2) {
		t.Errorf("another tenant's k2 pseudonym is chained: %s", g)
	}
	for _, bad := range []map[int]int{{2: 2}, {2: 3}, {2: 0}} {
		if err := k2.Chain("acme", bad); err == nil {
			t.Errorf("Chain(%v) = nil, want an error", bad)
		}
	}
}

func TestVersion(t *testing.T) {
	k := keyring(t, 12)
	for _, tc := range []struct {
		in   string
		want int
	}{
		{k.Pseudonym("acme", "deal", "1"), 12},
		{keyring(t, 1).Pseudonym("acme", "deal", "1"), 1},
		{"rep1", 0},
		{"", 0},
	} {
		if got := pseudonymize.Version(tc.in); got != tc.want {
			t.Errorf("Version(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
