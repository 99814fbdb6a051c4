package salesforcetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestJWTBearerGrant(t *testing.T) {
	app, other := GenerateKey(), GenerateKey()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s, _ := newServer(t, Options{JWTPublicKey: &app.PublicKey, JWTUsers: []string{"rep@acme.example"},
		Now: func() time.Time { return now }})
	sign := func(key any, method jwt.SigningMethod, claims jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": clientID, "sub": "rep@acme.example", "aud": s.URL(), "exp": now.Add(2 * time.Minute).Unix()}
	}
	with := func(k string, v any) jwt.MapClaims { c := good(); c[k] = v; return c }
	for _, tc := range []struct {
		name      string
		assertion string
		code      string // "" means success
	}{
		{"valid", sign(app, jwt.SigningMethodRS256, good()), ""},
		{"audience as array", sign(app, jwt.SigningMethodRS256, with("aud", []string{s.URL()})), ""},
		{"other key", sign(other, jwt.SigningMethodRS256, good()), "invalid_grant"},
		{"hmac signed", sign([]byte("k"), jwt.SigningMethodHS256, good()), "invalid_grant"},
		{"wrong issuer", sign(app, jwt.SigningMethodRS256, with("iss", "3MVG9other")), "invalid_client_id"},
		{"unknown user", sign(app, jwt.SigningMethodRS256, with("sub", "nobody@acme.example")), "invalid_grant"},
		{"wrong audience", sign(app, jwt.SigningMethodRS256, with("aud", "https://login.salesforce.com")), "invalid_grant"},
		{"expired", sign(app, jwt.SigningMethodRS256, with("exp", now.Add(-time.Second).Unix())), "invalid_grant"},
		{"exp too far ahead", sign(app, jwt.SigningMethodRS256, with("exp", now.Add(10*time.Minute).Unix())), "invalid_grant"},
		{"no exp", sign(app, jwt.SigningMethodRS256, jwt.MapClaims{"iss": clientID, "sub": "rep@acme.example", "aud": s.URL()}), "invalid_grant"},
		{"garbage", "not.a.jwt", "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := token(t, s, url.Values{"grant_type": {jwtGrant}, "assertion": {tc.assertion}})
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body %s is not a JSON object", body)
			}
			if tc.code == "" {
				if status != http.StatusOK || m["access_token"] == nil || m["refresh_token"] != nil || m["expires_in"] != nil {
					t.Errorf("status %d body %v, want 200 with access_token and no refresh_token or expires_in", status, m)
				}
				return
			}
			if status != http.StatusBadRequest || m["error"] != tc.code || m["error_description"] == nil || len(m) != 2 {
				t.Errorf("status %d body %v, want 400 {error: %s, error_description}", status, m, tc.code)
			}
		})
	}
}
