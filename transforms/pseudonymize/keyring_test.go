package pseudonymize_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tally-dev/tally/transforms/pseudonymize"
)

var master = []byte("0123456789abcdef0123456789abcdef-test-master")

func keyring(t testing.TB, version int) *pseudonymize.Keyring {
	t.Helper()
	k, err := pseudonymize.NewKeyring(master, version)
	if err != nil {
		t.Fatalf("NewKeyring(%d bytes, %d) = %v", len(master), version, err)
	}
	return k
}

// reference computes a pseudonym straight from RFC 5869 and RFC 2104,
// independently of the package, to pin the derivation.
func reference(tenant, kind, value string, version int) string {
	mac := func(key []byte, parts ...[]byte) []byte {
		h := hmac.New(sha256.New, key)
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	prk := mac(make([]byte, sha256.Size), master) // HKDF-Extract, salt nil
	info := fmt.Sprintf("tally/pseudonym/v%d/tenant/%s", version, tenant)
	key := mac(prk, []byte(info), []byte{1}) // HKDF-Expand, one block
	sum := mac(key, []byte(kind+"\x00"+value))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16])
	return fmt.Sprintf("k%d_%s", version, strings.ToLower(enc))
}

func TestPseudonym(t *testing.T) {
	k1, k2 := keyring(t, 1), keyring(t, 2)
	tests := []struct {
		name                string
		k                   *pseudonymize.Keyring
		tenant, kind, value string
		version             int
	}{
		{"user", k1, "acme", "user", "77", 1},
		{"deal", k1, "acme", "deal", "9001", 1},
		{"other tenant", k1, "globex", "user", "77", 1},
		{"empty value", k1, "acme", "user", "", 1},
		{"unicode", k1, "acme", "user", "Zoë", 1},
		{"version 2", k2, "acme", "user", "77", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.k.Pseudonym(tc.tenant, tc.kind, tc.value)
			if want := reference(tc.tenant, tc.kind, tc.value, tc.version); got != want {
				t.Errorf("Pseudonym(%s, %s, %s) = %s, want %s", tc.tenant, tc.kind, tc.value, got, want)
			}
			if len(got) != len("k1_")+26 || !pseudonymize.IsPseudonym(got) {
				t.Errorf("IsPseudonym(%s) = false, want true", got)
			}
			if again := tc.k.Pseudonym(tc.tenant, tc.kind, tc.value); again != got {
				t.Errorf("Pseudonym is not deterministic: %s then %s", got, again)
			}
		})
	}
}

func TestPseudonymGolden(t *testing.T) {
	// Pseudonyms are stored: a change of the derivation orphans every
	// fact in every warehouse. This value must never change.
	const want = "k1_a4htlezr5rhoizjxnmhusaiaby"
	if got := keyring(t, 1).Pseudonym("acme", "user", "77"); got != want {
		t.Errorf("Pseudonym(acme, user, 77) = %s, want %s", got, want)
	}
}

func TestPseudonymsSeparate(t *testing.T) {
	k := keyring(t, 1)
	base := k.Pseudonym("acme", "user", "77")
	tests := []struct {
		name string
		got  string
	}{
		{"other tenant", k.Pseudonym("globex", "user", "77")},
		{"other kind", k.Pseudonym("acme", "deal", "77")},
		{"other value", k.Pseudonym("acme", "user", "78")},
		{"no ambiguity across the separator", k.Pseudonym("acme", "user7", "7")},
		{"other master", func() string {
			other, _ := pseudonymize.NewKeyring(bytes.Repeat([]byte{7}, 32), 1)
			return other.Pseudonym("acme", "user", "77")
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got == base {
				t.Errorf("%s: pseudonym %s, want one different from %s", tc.name, tc.got, base)
			}
		})
	}
}

func TestVersions(t *testing.T) {
	k1, k2 := keyring(t, 1), keyring(t, 2)
	if k2.Current() != 2 {
		t.Errorf("Current() = %d, want 2", k2.Current())
	}
	v2 := k2.Pseudonym("acme", "user", "77")
	if !strings.HasPrefix(v2, "k2_") {
		t.Errorf("Pseudonym under version 2 = %s, want prefix k2_", v2)
	}
	if got, want := k2.PseudonymVersion("acme", "user", "77", 1), k1.Pseudonym("acme", "user", "77"); got != want {
		t.Errorf("PseudonymVersion(..., 1) = %s, want %s", got, want)
	}
	if v2[3:] == k1.Pseudonym("acme", "user", "77")[3:] {
		t.Errorf("versions 1 and 2 share the pseudonym body %s", v2[3:])
	}
	if got := k2.PseudonymVersion("acme", "user", "77", 0); got != "" {
		t.Errorf("PseudonymVersion(..., 0) = %q, want empty", got)
	}
}

func TestNewKeyringRejects(t *testing.T) {
	tests := []struct {
		name    string
		master  []byte
		version int
	}{
		{"short master", []byte("too short for a key"), 1},
		{"31 bytes", bytes.Repeat([]byte{1}, 31), 1},
		{"empty master", nil, 1},
		{"version 0", master, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := pseudonymize.NewKeyring(tc.master, tc.version)
			if err == nil || k != nil {
				t.Fatalf("NewKeyring(%d bytes, %d) = %v, %v, want an error", len(tc.master), tc.version, k, err)
			}
			if len(tc.master) > 0 && strings.Contains(err.Error(), string(tc.master)) {
				t.Errorf("NewKeyring error %q contains the master secret", err)
			}
		})
	}
}

func TestKeyringCopiesMaster(t *testing.T) {
	m := append([]byte(nil), master...)
	k, err := pseudonymize.NewKeyring(m, 1)
	if err != nil {
		t.Fatal(err)
	}
	clear(m)
	// globex's key is derived only now, after the caller cleared m.
	if got, want := k.Pseudonym("globex", "user", "77"), reference("globex", "user", "77", 1); got != want {
		t.Errorf("Pseudonym after clearing the caller's master = %s, want %s", got, want)
	}
}

func TestKeyringNeverPrintsKeys(t *testing.T) {
	k := keyring(t, 1)
	k.Pseudonym("acme", "user", "77") // fill the cache
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		out = append(out, fmt.Sprintf(verb, k))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "keyring", k)
	out = append(out, buf.String())
	for _, s := range out {
		for _, leak := range []string{string(master[:16]), hex.EncodeToString(master[:8]), "48 49 50", "[48 49"} {
			if strings.Contains(s, leak) {
				t.Errorf("printed keyring %q contains key material %q", s, leak)
			}
		}
	}
	if !strings.Contains(buf.String(), `"key_version":1`) {
		t.Errorf("slog output %s, want key_version 1", buf.String())
	}
}

func TestIsPseudonym(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"k1_abcdefghijklmnopqrstuvwxyz", true},
		{"k12_234567abcdefghijklmnopqrst", true},
		{"k1_abcdefghijklmnopqrstuvwxy", false},   // 25
		{"k1_abcdefghijklmnopqrstuvwxyza", false}, // 27
		{"k1_ABCDEFGHIJKLMNOPQRSTUVWXYZ", false},
		{"k1_abcdefghijklmnopqrstuvwx01", false},
		{"k_abcdefghijklmnopqrstuvwxyz", false},
		{"x1_abcdefghijklmnopqrstuvwxyz", false},
		{"k1_abcdefghijklmnopqrstuvwxyz\n", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := pseudonymize.IsPseudonym(tc.in); got != tc.want {
			t.Errorf("IsPseudonym(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestKeyringConcurrent(t *testing.T) {
	k := keyring(t, 1)
	var wg sync.WaitGroup
	results := make([][]string, 8)
	for g := range results {
		wg.Go(func() {
			for i := range 50 {
				results[g] = append(results[g], k.Pseudonym(fmt.Sprintf("tenant%d", i%5), "user", "77"))
			}
		})
	}
	wg.Wait()
	for g := 1; g < len(results); g++ {
		for i := range results[g] {
			if results[g][i] != results[0][i] {
				t.Fatalf("goroutine %d call %d = %s, want %s", g, i, results[g][i], results[0][i])
			}
		}
	}
}

// IsPseudonym is hand-written for speed; it must agree with the
// documented expression on every string near the pseudonym shape.
func TestIsPseudonymMatchesRegexp(t *testing.T) {
	re := regexp.MustCompile(`^k[0-9]+_[a-z2-7]{26}$`)
	base := keyring(t, 1).Pseudonym("acme", "user", "77")
	alphabet := "k_019azAZ27/\x00é"
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := []byte(base)
		switch rng.IntN(3) {
		case 0: // replace
			b[rng.IntN(len(b))] = alphabet[rng.IntN(len(alphabet))]
		case 1: // insert
			i := rng.IntN(len(b) + 1)
			b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
		case 2: // delete
			i := rng.IntN(len(b))
			b = append(b[:i], b[i+1:]...)
		}
		s := string(b)
		if got, want := pseudonymize.IsPseudonym(s), re.MatchString(s); got != want {
			t.Fatalf("IsPseudonym(%q) = %v, want %v", s, got, want)
		}
	}
}
