package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
)

// ErrOpen means a sealed value could not be decrypted: wrong key,
// tampered or truncated. It never says more.
var ErrOpen = errors.New("sealed value does not open")

// sealVersion prefixes every sealed value so the format can change.
const sealVersion byte = 1

// DeriveKey derives a 256-bit key from master for the given purpose
// label with HKDF-SHA-256.
func DeriveKey(master []byte, label string) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, label, 32)
	if err != nil {
		// HKDF-SHA-256 fails only for outputs over 255*32 bytes.
		panic("vault: " + err.Error())
	}
	return k
}

// SealWith encrypts plaintext with AES-256-GCM under key, binding aad,
// and returns version byte, nonce and ciphertext.
func SealWith(key, plaintext []byte, aad string) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("reading nonce: %w", err)
	}
	return aead.Seal(out, out[1:], plaintext, []byte(aad)), nil
}

// OpenWith reverses SealWith; any failure is ErrOpen.
func OpenWith(key, sealed []byte, aad string) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < 1+n+aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrOpen
	}
	pt, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(aad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes key: %w", err)
	}
	return cipher.NewGCM(block)
}

// Sealer seals identity payloads under per-tenant keys derived from one
// master secret. It is safe for concurrent use and never prints keys.
type Sealer struct {
	master []byte
	keys   sync.Map // tenant → []byte
}

// NewSealer returns a sealer over a copy of master (at least 32 bytes).
func NewSealer(master []byte) (*Sealer, error) {
	if len(master) < 32 {
		return nil, fmt.Errorf("vault master secret is %d bytes, need at least 32", len(master))
	}
	return &Sealer{master: append([]byte(nil), master...)}, nil
}

func (s *Sealer) key(tenant string) []byte {
	if k, ok := s.keys.Load(tenant); ok {
		return k.([]byte)
	}
	k := DeriveKey(s.master, "tally/vault/v1/tenant/"+tenant)
	s.keys.Store(tenant, k)
	return k
}

// Seal encrypts plaintext for tenant; the tenant is bound as associated
// data, so a row copied to another tenant does not open.
func (s *Sealer) Seal(tenant string, plaintext []byte) ([]byte, error) {
	return SealWith(s.key(tenant), plaintext, "vault/"+tenant)
}

// Open decrypts a value sealed for tenant.
func (s *Sealer) Open(tenant string, sealed []byte) ([]byte, error) {
	return OpenWith(s.key(tenant), sealed, "vault/"+tenant)
}

// String hides key material.
func (s *Sealer) String() string { return "vault.Sealer{}" }
