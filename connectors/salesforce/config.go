package salesforce

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

// Config is the YAML configuration of a salesforce connector. Defaults
// are those of DefaultConfig.
type Config struct {
	// LoginURL is where tokens are requested: https://login.salesforce.com
	// (default), https://test.salesforce.com or the org's My Domain.
	LoginURL string `yaml:"login_url"`
	// InstanceURL, when set, overrides the instance_url the token
	// endpoint returns as the base of REST calls.
	InstanceURL string `yaml:"instance_url"`
	// ClientID is the connected app's consumer key; required.
	ClientID string `yaml:"client_id"`
	// ClientSecret is the connected app's consumer secret, as an ${ENV}
	// reference; required.
	ClientSecret config.Secret `yaml:"client_secret"`
	// RefreshToken, as an ${ENV} reference, selects the refresh-token
	// flow; without it the client-credentials flow is used.
	RefreshToken config.Secret `yaml:"refresh_token"`
	// JWTPrivateKeyFile is the path of a PEM RSA private key (PKCS #1 or
	// #8) readable by its owner only; it selects the JWT-bearer flow, in
	// which client_id is the issuer and no client_secret is needed.
	JWTPrivateKeyFile string `yaml:"jwt_private_key_file"`
	// JWTPrivateKey is the same PEM key as an ${ENV} reference, for
	// deployments that inject secrets as variables.
	JWTPrivateKey config.Secret `yaml:"jwt_private_key"`
	// JWTSubject is the Salesforce username the JWT-bearer flow logs in
	// as (pre-authorized for the connected app); required with a key.
	JWTSubject string `yaml:"jwt_subject"`
	// APIVersion of the REST API (default v60.0).
	APIVersion string `yaml:"api_version"`
	// QuotaShare is the share of the org's daily API request limit a
	// pass may use before it stops cleanly (default 0.5).
	QuotaShare float64 `yaml:"quota_share"`
	// PageSize is the requested query batch size, 200 to 2000 (default
	// 2000); Salesforce may send fewer.
	PageSize int `yaml:"page_size"`
	// MultiCurrency requests CurrencyIsoCode of opportunities; it needs
	// an org with multiple currencies enabled (default false).
	MultiCurrency bool `yaml:"multi_currency"`
	// DefaultCurrency is the currency of amounts when MultiCurrency is
	// off: the org's currency (default USD).
	DefaultCurrency string `yaml:"default_currency"`
	// Timeout of one HTTP request (default 60s).
	Timeout time.Duration `yaml:"timeout"`
	// MaxRetries of a failing request (default 8; 0 means none).
	MaxRetries int `yaml:"max_retries"`

	// RetryWaitMin and RetryWaitMax bound the retry backoff (defaults
	// 500ms and 30s); tests shorten them.
	RetryWaitMin, RetryWaitMax time.Duration `yaml:"-"`
	// Now is the clock JWT assertions are dated by (default time.Now).
	Now func() time.Time `yaml:"-"`
}

// jwtFlow reports whether a private key selects the JWT-bearer flow.
func (c *Config) jwtFlow() bool {
	return c.JWTPrivateKeyFile != "" || c.JWTPrivateKey.Set() || c.JWTPrivateKey.Env() != ""
}

// DefaultConfig returns the configuration with every default applied and
// no credentials.
func DefaultConfig() Config {
	return Config{
		LoginURL:        "https://login.salesforce.com",
		APIVersion:      "v60.0",
		QuotaShare:      0.5,
		PageSize:        2000,
		DefaultCurrency: "USD",
		Timeout:         60 * time.Second,
		MaxRetries:      8,
		RetryWaitMin:    500 * time.Millisecond,
		RetryWaitMax:    30 * time.Second,
	}
}

var (
	versionRE  = regexp.MustCompile(`^v[1-9][0-9]\.0$`)
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	clientIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,256}$`)
)

func absURL(field, s string, required bool) error {
	if s == "" && !required {
		return nil
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("%s: must be an absolute http or https url", field)
	}
	return nil
}

// Validate reports every problem of the configuration, naming fields,
// never values.
func (c *Config) Validate() error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(absURL("login_url", c.LoginURL, true))
	add(absURL("instance_url", c.InstanceURL, false))
	if !clientIDRE.MatchString(c.ClientID) {
		add(errors.New("client_id: required, letters, digits and . _ - only"))
	}
	if c.jwtFlow() {
		add(c.validateJWT())
	} else {
		add(c.ClientSecret.Validate("client_secret"))
	}
	if c.RefreshToken.Set() || c.RefreshToken.Env() != "" {
		add(c.RefreshToken.Validate("refresh_token"))
	}
	if !versionRE.MatchString(c.APIVersion) {
		add(errors.New(`api_version: must look like "v60.0"`))
	}
	if !(c.QuotaShare > 0 && c.QuotaShare <= 1) {
		add(errors.New("quota_share: must be above 0 and at most 1"))
	}
	if c.PageSize < 200 || c.PageSize > 2000 {
		add(errors.New("page_size: must be between 200 and 2000"))
	}
	if !c.MultiCurrency && !currencyRE.MatchString(c.DefaultCurrency) {
		add(errors.New("default_currency: must be an ISO 4217 code such as USD when multi_currency is off"))
	}
	if c.Timeout <= 0 {
		add(errors.New("timeout: must be positive"))
	}
	if c.MaxRetries < 0 || c.MaxRetries > 100 {
		add(errors.New("max_retries: must be between 0 and 100"))
	}
	if c.RetryWaitMin < 0 || c.RetryWaitMax < c.RetryWaitMin {
		add(errors.New("retry waits: need 0 <= min <= max"))
	}
	return errors.Join(errs...)
}

// validateJWT checks the JWT-bearer settings without reading the key
// file (construction does no I/O; Open reads and checks it).
func (c *Config) validateJWT() error {
	var errs []error
	switch {
	case c.JWTPrivateKeyFile != "" && (c.JWTPrivateKey.Set() || c.JWTPrivateKey.Env() != ""):
		errs = append(errs, errors.New("jwt_private_key_file, jwt_private_key: set one, not both"))
	case c.JWTPrivateKeyFile == "":
		if err := c.JWTPrivateKey.Validate("jwt_private_key"); err != nil {
			errs = append(errs, err)
		}
	}
	if c.JWTSubject == "" || len(c.JWTSubject) > 256 {
		errs = append(errs, errors.New("jwt_subject: required with a jwt private key (the Salesforce username, at most 256 characters)"))
	}
	if c.RefreshToken.Set() || c.RefreshToken.Env() != "" {
		errs = append(errs, errors.New("refresh_token: not used by the JWT-bearer flow; remove it or the jwt private key"))
	}
	return errors.Join(errs...)
}

// Factory returns the "salesforce" source kind for the registry.
func Factory() pipeline.SourceFactory {
	return pipeline.SourceFactory{
		Kind: "salesforce",
		NewConfig: func() pipeline.Validator {
			c := DefaultConfig()
			return &c
		},
		New: func(cfg pipeline.Validator, env pipeline.SourceEnv) (pipeline.Source, error) {
			c, ok := cfg.(*Config)
			if !ok {
				return nil, fmt.Errorf("salesforce: configuration of type %T, want *salesforce.Config: %w", cfg, pipeline.ErrConfig)
			}
			return New(*c, env)
		},
		Reconciles: true,
	}
}
