package salesforce

import (
	"crypto/rsa"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tally-dev/tally/pipeline"
)

// JWTGrantType is the grant_type of the OAuth 2.0 JWT-bearer flow
// (RFC 7523).
const JWTGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// AssertionLifetime is how long a minted assertion is valid; Salesforce
// rejects an exp more than three minutes ahead.
const AssertionLifetime = 3 * time.Minute

// Audience returns the aud claim for a login URL: its scheme and host,
// e.g. https://login.salesforce.com, https://test.salesforce.com or the
// org's My Domain.
func Audience(loginURL string) string {
	u, err := url.Parse(loginURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// privateKey reads and parses the configured key. The key file must not
// be readable by group or others. Errors name the setting, never the
// key or the path's contents.
func (c *Config) privateKey() (*rsa.PrivateKey, error) {
	field, pem := "jwt_private_key", []byte(c.JWTPrivateKey.Reveal())
	if c.JWTPrivateKeyFile != "" {
		field = "jwt_private_key_file"
		fi, err := os.Stat(c.JWTPrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot read the key file: %w", field, pipeline.ErrConfig)
		}
		if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
			return nil, fmt.Errorf("%s: the key file has mode %04o, readable by group or others; chmod 600 it: %w", field, perm, pipeline.ErrConfig)
		}
		if pem, err = os.ReadFile(c.JWTPrivateKeyFile); err != nil {
			return nil, fmt.Errorf("%s: cannot read the key file: %w", field, pipeline.ErrConfig)
		}
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pem)
	if err != nil {
		what := field
		if env := c.JWTPrivateKey.Env(); field == "jwt_private_key" && env != "" {
			what += " in " + env
		}
		return nil, fmt.Errorf("%s: not a PEM-encoded RSA private key: %w", what, pipeline.ErrConfig)
	}
	return key, nil
}

// assertion mints a signed RS256 JWT for the token request: iss is the
// connected app's client_id, sub the username, aud the login host, exp
// AssertionLifetime ahead. The key is read again each time so that a
// rotated key file takes effect at the next session.
func (s *session) assertion() (string, error) {
	key, err := s.cfg.privateKey()
	if err != nil {
		return "", err
	}
	now := time.Now
	if s.cfg.Now != nil {
		now = s.cfg.Now
	}
	claims := jwt.MapClaims{
		"iss": s.cfg.ClientID,
		"sub": s.cfg.JWTSubject,
		"aud": Audience(s.cfg.LoginURL), // a string: Salesforce expects no array
		"exp": now().Add(AssertionLifetime).Unix(),
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("jwt private key: signing the assertion failed: %w", pipeline.ErrConfig)
	}
	return signed, nil
}
