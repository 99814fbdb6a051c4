package salesforcetest

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const jwtGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// maxAhead is how far in the future an assertion's exp may lie; a little
// slack covers clock skew between the two ends.
const maxAhead = 3*time.Minute + 5*time.Second

// verifyAssertion checks a JWT-bearer assertion the way Salesforce does
// and returns the OAuth error code and description of a refusal, or ""
// for a valid one. The issuer is looked up first (it names the connected
// app whose certificate verifies the signature): an unknown one is
// invalid_client_id; a bad signature, audience or expiry and an unknown
// user are invalid_grant.
func (s *Server) verifyAssertion(assertion string) (code, description string) {
	if s.opts.JWTPublicKey == nil {
		return "unsupported_grant_type", "grant type not supported"
	}
	var unverified jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, &unverified); err != nil {
		return "invalid_grant", "invalid assertion"
	}
	if iss, _ := unverified.GetIssuer(); iss != s.opts.ClientID {
		return "invalid_client_id", "client identifier invalid"
	}
	aud := s.opts.Audience
	if aud == "" {
		aud = s.URL()
	}
	var claims jwt.MapClaims
	p := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(),
		jwt.WithAudience(aud), jwt.WithTimeFunc(s.opts.Now))
	_, err := p.ParseWithClaims(assertion, &claims, func(*jwt.Token) (any, error) {
		return s.opts.JWTPublicKey, nil
	})
	switch {
	case err != nil && errors.Is(err, jwt.ErrTokenExpired):
		return "invalid_grant", "expired JWT"
	case err != nil && errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "invalid_grant", "audience is invalid"
	case err != nil:
		return "invalid_grant", "invalid assertion"
	}
	exp, _ := claims.GetExpirationTime()
	if exp.Sub(s.opts.Now()) > maxAhead {
		return "invalid_grant", "invalid assertion"
	}
	sub, _ := claims.GetSubject()
	if !slices.Contains(s.opts.JWTUsers, sub) {
		return "invalid_grant", "user hasn't approved this consumer"
	}
	return "", ""
}

// GenerateKey returns a fresh 2048-bit RSA key for a connected app's
// certificate, for tests and the demo.
func GenerateKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("salesforcetest: generating an RSA key: " + err.Error())
	}
	return k
}
