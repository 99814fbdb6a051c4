package bullhorn

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

// Config is the YAML configuration of a bullhorn connector. Defaults are
// those of DefaultConfig.
type Config struct {
	Username         string        `yaml:"username" spec:"personal" doc:"Username of the API user. With it, the data-center URLs that auth_url and login_url leave empty are discovered at start from loginInfo (following its 307 to the right data center). Never logged."`
	DiscoveryURL     string        `yaml:"discovery_url" doc:"Where loginInfo is asked."`
	AuthURL          string        `yaml:"auth_url" doc:"OAuth server of the corporation's data center. Empty means discovered with username, else https://auth.bullhornstaffing.com."`
	LoginURL         string        `yaml:"login_url" doc:"REST login host of the data center (restUrl comes from the login). Empty means discovered with username, else https://rest.bullhornstaffing.com."`
	ClientID         string        `yaml:"client_id" spec:"required" doc:"Client id of the OAuth client."`
	ClientSecret     config.Secret `yaml:"client_secret" spec:"required" doc:"Client secret of the OAuth client."`
	RefreshToken     config.Secret `yaml:"refresh_token" spec:"required" doc:"Refresh token from the one-time authorization-code login. Bullhorn rotates it on every use; the rotated one is kept in data_dir/state/<tenant>/<connector>/refresh_token."`
	SessionTTL       time.Duration `yaml:"session_ttl" doc:"BhRestToken lifetime asked for at login, whole minutes, at least 1m."`
	RefreshBefore    time.Duration `yaml:"refresh_before" doc:"Renew the session this long before it expires; at least 0 and less than session_ttl."`
	PageSize         int           `yaml:"page_size" doc:"Page size of query requests, 1 to 500."`
	FeeField         string        `yaml:"fee_field" doc:"Placement field read as the placement fee (flatFee for corporations that record flat fees)."`
	Currency         string        `yaml:"currency" doc:"ISO 4217 code of placement fees; Bullhorn keeps no currency on a Placement, so empty leaves the currency empty."`
	ReconcileDeletes bool          `yaml:"reconcile_deletes" doc:"List placement ids on incremental passes to find hard-deleted placements."`
	Timeout          time.Duration `yaml:"timeout" doc:"Time limit of one HTTP request."`
	MaxRetries       int           `yaml:"max_retries" doc:"Retries of a failing request, 0 to 100; 0 means none."`

	// RetryWaitMin and RetryWaitMax bound the retry backoff (defaults 1s,
	// as Bullhorn's 429 asks, and 30s); tests shorten them.
	RetryWaitMin, RetryWaitMax time.Duration `yaml:"-"`
	// Now is the clock passes are timed by (default time.Now).
	Now func() time.Time `yaml:"-"`
}

// DefaultConfig returns the configuration with every default applied and
// no credentials.
func DefaultConfig() Config {
	return Config{
		DiscoveryURL:     defaultLoginURL,
		SessionTTL:       60 * time.Minute,
		RefreshBefore:    time.Minute,
		PageSize:         500,
		FeeField:         "fee",
		ReconcileDeletes: true,
		Timeout:          30 * time.Second,
		MaxRetries:       8,
		RetryWaitMin:     time.Second,
		RetryWaitMax:     30 * time.Second,
	}
}

// The global hosts, used when neither the URLs nor a username are given.
const (
	defaultAuthURL  = "https://auth.bullhornstaffing.com"
	defaultLoginURL = "https://rest.bullhornstaffing.com"
)

// discovers reports whether Open asks loginInfo for a URL.
func (c *Config) discovers() bool { return c.Username != "" && (c.AuthURL == "" || c.LoginURL == "") }

var (
	fieldName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]{0,63}$`)
	isoCode   = regexp.MustCompile(`^[A-Z]{3}$`)
)

// Validate reports every problem of the configuration, naming fields,
// never values.
func (c *Config) Validate() error {
	var errs []error
	for _, u := range []struct{ field, value string }{{"auth_url", c.AuthURL}, {"login_url", c.LoginURL}, {"discovery_url", c.DiscoveryURL}} {
		if u.value == "" && u.field != "discovery_url" {
			continue
		}
		if p, err := url.Parse(u.value); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s: must be an absolute http or https url", u.field))
		}
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("client_id: required"))
	}
	for _, s := range []struct {
		field string
		s     config.Secret
	}{{"client_secret", c.ClientSecret}, {"refresh_token", c.RefreshToken}} {
		if err := s.s.Validate(s.field); err != nil {
			errs = append(errs, err)
		}
	}
	if c.SessionTTL < time.Minute || c.SessionTTL%time.Minute != 0 {
		errs = append(errs, errors.New("session_ttl: must be a whole number of minutes, at least 1m"))
	}
	if c.RefreshBefore < 0 || c.RefreshBefore >= c.SessionTTL {
		errs = append(errs, errors.New("refresh_before: must be at least 0 and less than session_ttl"))
	}
	if c.PageSize < 1 || c.PageSize > 500 {
		errs = append(errs, errors.New("page_size: must be between 1 and 500"))
	}
	if !fieldName.MatchString(c.FeeField) {
		errs = append(errs, errors.New("fee_field: must be a Bullhorn field name"))
	}
	if c.Currency != "" && !isoCode.MatchString(c.Currency) {
		errs = append(errs, errors.New("currency: must be an ISO 4217 code such as USD"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("timeout: must be positive"))
	}
	if c.MaxRetries < 0 || c.MaxRetries > 100 {
		errs = append(errs, errors.New("max_retries: must be between 0 and 100"))
	}
	if c.RetryWaitMin < 0 || c.RetryWaitMax < c.RetryWaitMin {
		errs = append(errs, errors.New("retry waits: need 0 <= min <= max"))
	}
	return errors.Join(errs...)
}

// Factory returns the "bullhorn" source kind for the registry.
func Factory() pipeline.SourceFactory {
	return pipeline.NewSourceFactory("bullhorn", DefaultConfig, New)
}
