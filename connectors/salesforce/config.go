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
	LoginURL          string        `yaml:"login_url" doc:"Where tokens are requested: https://login.salesforce.com, https://test.salesforce.com or the org's My Domain."`
	InstanceURL       string        `yaml:"instance_url" doc:"Base of REST calls, overriding the instance_url the token endpoint returns."`
	ClientID          string        `yaml:"client_id" spec:"required" doc:"The connected app's consumer key: letters, digits, ., _ and -. In the JWT-bearer flow it is the issuer."`
	ClientSecret      config.Secret `yaml:"client_secret" doc:"The connected app's consumer secret; required unless a JWT private key is set."`
	RefreshToken      config.Secret `yaml:"refresh_token" doc:"Selects the refresh-token flow; without it (and without a JWT key) the client-credentials flow is used. Not with a JWT key."`
	JWTPrivateKeyFile string        `yaml:"jwt_private_key_file" doc:"PEM RSA private key file (PKCS #1 or #8) readable by its owner only; it selects the JWT-bearer flow, which needs no client_secret. Not with jwt_private_key."`
	JWTPrivateKey     config.Secret `yaml:"jwt_private_key" doc:"The same PEM key from an environment variable, for deployments that inject secrets as variables."`
	JWTSubject        string        `yaml:"jwt_subject" spec:"personal" doc:"Salesforce username the JWT-bearer flow logs in as (pre-authorized for the connected app), at most 256 characters; required with a JWT key."`
	APIVersion        string        `yaml:"api_version" doc:"Version of the REST API, like v60.0."`
	QuotaShare        float64       `yaml:"quota_share" doc:"Share of the org's daily API request limit a pass (or a reconcile) may use before it stops cleanly, above 0 and at most 1."`
	PageSize          int           `yaml:"page_size" doc:"Requested query batch size, 200 to 2000; Salesforce may send fewer."`
	MultiCurrency     bool          `yaml:"multi_currency" doc:"Request CurrencyIsoCode of opportunities; needs an org with multiple currencies enabled."`
	DefaultCurrency   string        `yaml:"default_currency" doc:"ISO 4217 currency of amounts when multi_currency is off: the org's currency."`
	Timeout           time.Duration `yaml:"timeout" doc:"Time limit of one HTTP request."`
	MaxRetries        int           `yaml:"max_retries" doc:"Retries of a failing request, 0 to 100; 0 means none."`

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
	f := pipeline.NewSourceFactory("salesforce", DefaultConfig, New)
	f.Reconciles = true
	return f
}
