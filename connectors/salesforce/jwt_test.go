package salesforce

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tally-dev/tally/connectors/salesforce/salesforcetest"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/pipelinetest"
)

const testSubject = "integration.user@acme-corp.example"

var (
	keysOnce        sync.Once
	appKey, strange *rsa.PrivateKey
)

// keys returns the connected app's key and an unrelated one; RSA key
// generation is slow, so the package generates them once.
func keys() (app, other *rsa.PrivateKey) {
	keysOnce.Do(func() { appKey, strange = salesforcetest.GenerateKey(), salesforcetest.GenerateKey() })
	return appKey, strange
}

func pemOf(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(k))}))
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// writeKey writes k to a file with mode and returns its path.
func writeKey(t testing.TB, k *rsa.PrivateKey, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sf.pem")
	if err := os.WriteFile(p, []byte(pemOf(k)), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

// assertions records the assertion of every token request that leaves
// the connector, below the guard.
type assertions struct {
	mu   sync.Mutex
	seen []string
	next http.RoundTripper
}

func (a *assertions) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/services/oauth2/token" && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		if f, err := url.ParseQuery(string(b)); err == nil && f.Get("assertion") != "" {
			a.mu.Lock()
			a.seen = append(a.seen, f.Get("assertion"))
			a.mu.Unlock()
		}
	}
	return a.next.RoundTrip(r)
}

// jwtSetup is a fixture whose fake accepts the JWT-bearer grant for the
// app key and testSubject, and whose source signs with cfg's key.
func jwtSetup(t testing.TB, clk *pipelinetest.Clock, server func(*salesforcetest.Options), cfg func(*Config)) setup {
	app, _ := keys()
	path := writeKey(t, app, 0o600)
	return setup{
		server: salesforcetest.Options{JWTPublicKey: &app.PublicKey, JWTUsers: []string{testSubject}, Now: clk.Now},
		config: func(c *Config) {
			c.ClientSecret, c.JWTPrivateKeyFile, c.JWTSubject, c.Now = config.Secret{}, path, testSubject, clk.Now
			if cfg != nil {
				cfg(c)
			}
		},
		serverMod: server,
	}
}

func TestJWTBearerFlow(t *testing.T) {
	clk := pipelinetest.NewClock(time.Now())
	rec := &assertions{next: http.DefaultTransport}
	s := jwtSetup(t, clk, nil, nil)
	s.transport = rec
	f := newFixture(t, s)
	f.sync(t, "user", "")
	if got := f.srv.Requests()[0].Form; !strings.Contains(got, "grant_type="+JWTGrantType) || strings.Contains(got, "client_secret") {
		t.Errorf("token request form = %q, want the jwt-bearer grant and no client_secret", got)
	}
	if len(rec.seen) != 1 {
		t.Fatalf("assertions sent = %d, want 1", len(rec.seen))
	}
	claims := jwt.MapClaims{}
	app, _ := keys()
	if _, err := jwt.ParseWithClaims(rec.seen[0], claims, func(*jwt.Token) (any, error) { return &app.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(clk.Now)); err != nil {
		t.Fatalf("assertion does not verify: %v", err)
	}
	exp, _ := claims.GetExpirationTime()
	for _, tc := range []struct{ claim, got, want string }{
		{"iss", claims["iss"].(string), testClientID},
		{"sub", claims["sub"].(string), testSubject},
		{"aud", claims["aud"].(string), f.srv.URL()},
		{"exp", exp.UTC().String(), time.Unix(clk.Now().Add(AssertionLifetime).Unix(), 0).UTC().String()},
	} {
		if tc.got != tc.want {
			t.Errorf("assertion %s = %q, want %q", tc.claim, tc.got, tc.want)
		}
	}
}

func TestJWTSessionExpiryMintsNewAssertion(t *testing.T) {
	clk := pipelinetest.NewClock(time.Now())
	rec := &assertions{next: http.DefaultTransport}
	s := jwtSetup(t, clk, nil, nil)
	s.transport = rec
	f := newFixture(t, s)
	// Later than the first assertion's exp: replaying it would be refused.
	clk.Add(10 * time.Minute)
	f.srv.ExpireSessions()
	c := f.sync(t, "deal", "")
	if got := len(pipelinetest.IDs(c.Records(), pipeline.OpUpsert)); got != defaultSizes.Opportunities {
		t.Errorf("pass emitted %d deals, want %d", got, defaultSizes.Opportunities)
	}
	if len(rec.seen) != 2 || rec.seen[0] == rec.seen[1] {
		t.Fatalf("assertions sent = %d (distinct: %t), want 2 distinct (open, re-mint)", len(rec.seen), len(rec.seen) == 2 && rec.seen[0] != rec.seen[1])
	}
}

func TestJWTRefusalsAreConfigErrors(t *testing.T) {
	_, other := keys()
	for _, tc := range []struct {
		name   string
		server func(*salesforcetest.Options)
		cfg    func(t *testing.T, c *Config)
		want   string
		sent   bool // whether a token request reaches the server
	}{
		{"key of another app", nil, func(t *testing.T, c *Config) { c.JWTPrivateKeyFile = writeKey(t, other, 0o600) }, "invalid_grant", true},
		{"wrong issuer", nil, func(t *testing.T, c *Config) { c.ClientID = "3MVG9other.app" }, "invalid_client_id", true},
		{"unknown user", nil, func(t *testing.T, c *Config) { c.JWTSubject = "someone.else@acme-corp.example" }, "invalid_grant", true},
		{"expired assertion", nil, func(t *testing.T, c *Config) {
			c.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
		}, "invalid_grant", true},
		{"wrong audience", func(o *salesforcetest.Options) { o.Audience = "https://test.salesforce.com" }, nil, "invalid_grant", true},
		{"key file readable by others", nil, func(t *testing.T, c *Config) { c.JWTPrivateKeyFile = writeKey(t, other, 0o644) }, "mode 0644", false},
		{"missing key file", nil, func(t *testing.T, c *Config) { c.JWTPrivateKeyFile = filepath.Join(t.TempDir(), "none.pem") }, "jwt_private_key_file", false},
		{"not a key", nil, func(t *testing.T, c *Config) {
			c.JWTPrivateKeyFile, c.JWTPrivateKey = "", config.NewSecret("SF_JWT_KEY", "-----BEGIN NOTHING-----\nzzz\n-----END NOTHING-----\n")
		}, "jwt_private_key in SF_JWT_KEY", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := pipelinetest.NewClock(time.Now())
			var cfg func(*Config)
			if tc.cfg != nil {
				cfg = func(c *Config) { tc.cfg(t, c) }
			}
			rec := &assertions{next: http.DefaultTransport}
			s := jwtSetup(t, clk, tc.server, cfg)
			s.noOpen, s.transport = true, rec
			f := newFixture(t, s)
			err := f.src.Open(context.Background())
			if !errors.Is(err, pipeline.ErrConfig) {
				t.Fatalf("Open() = %v, want ErrConfig", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("Open() = %q, want it to name %q", msg, tc.want)
			}
			if got := f.srv.RequestCount() > 0; got != tc.sent {
				t.Errorf("token request sent = %t, want %t", got, tc.sent)
			}
			leaks := append([]string{testSubject, "someone.else", "BEGIN", "zzz"}, rec.seen...)
			for _, k := range []*rsa.PrivateKey{appKey, other} {
				leaks = append(leaks, pemOf(k)[40:80], k.D.String()[:20])
			}
			for _, v := range leaks {
				if strings.Contains(msg, v) || strings.Contains(f.logs.String(), v) {
					t.Errorf("error or logs reveal key material, an assertion or the subject: %q", msg)
				}
			}
		})
	}
}

func TestJWTPrivacyAcrossPasses(t *testing.T) {
	clk := pipelinetest.NewClock(time.Now())
	rec := &assertions{next: http.DefaultTransport}
	s := jwtSetup(t, clk, func(o *salesforcetest.Options) { o.FailEvery = 4 }, nil)
	s.transport, s.projection = rec, allFields()
	f := newFixture(t, s)
	var errs []string
	for _, o := range f.src.Objects() {
		c := &pipelinetest.Collector{}
		err := f.src.Sync(context.Background(), o, "", c)
		if err == nil {
			f.srv.ExpireSessions()
			clk.Add(time.Minute)
			err = f.src.Sync(context.Background(), o, c.Last(), &pipelinetest.Collector{})
		}
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(rec.seen) < 2 {
		t.Fatalf("assertions sent = %d, want a re-mint after session expiry", len(rec.seen))
	}
	app, _ := keys()
	out := f.logs.String() + strings.Join(errs, "\n")
	for _, v := range append(append(f.ds.PersonalValues(), testSubject, pemOf(app)[40:80]), rec.seen...) {
		if strings.Contains(out, v) {
			t.Errorf("logs or errors contain the subject, key material, an assertion or a personal value")
			break
		}
	}
}

func TestJWTConfigValidate(t *testing.T) {
	base := func() Config {
		c := DefaultConfig()
		c.ClientID, c.JWTPrivateKeyFile, c.JWTSubject = "abc", "/etc/tally/sf.pem", testSubject
		return c
	}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want []string
	}{
		{"key file, no client secret", func(*Config) {}, nil},
		{"key from env", func(c *Config) { c.JWTPrivateKeyFile, c.JWTPrivateKey = "", config.NewSecret("SF_KEY", "pem") }, nil},
		{"env key unset", func(c *Config) { c.JWTPrivateKeyFile, c.JWTPrivateKey = "", config.NewSecret("SF_KEY", "") }, []string{"jwt_private_key: environment variable SF_KEY"}},
		{"both key forms", func(c *Config) { c.JWTPrivateKey = config.NewSecret("SF_KEY", "pem") }, []string{"set one, not both"}},
		{"no subject", func(c *Config) { c.JWTSubject = "" }, []string{"jwt_subject"}},
		{"refresh token too", func(c *Config) { c.RefreshToken = config.NewSecret("SF_REFRESH", "r") }, []string{"refresh_token: not used"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mod(&c)
			err := c.Validate()
			if (err == nil) != (len(tc.want) == 0) {
				t.Fatalf("Validate() = %v, want problems %v", err, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %v, want a problem naming %s", err, w)
				}
			}
		})
	}
}

func TestAudience(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://login.salesforce.com", "https://login.salesforce.com"},
		{"https://test.salesforce.com/", "https://test.salesforce.com"},
		{"https://acme.my.salesforce.com/services", "https://acme.my.salesforce.com"},
	} {
		if got := Audience(tc.in); got != tc.want {
			t.Errorf("Audience(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
