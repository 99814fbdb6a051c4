package pipedrive

import (
	"errors"
	"net/url"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

// Config is the YAML configuration of a pipedrive connector. Defaults are
// those of DefaultConfig.
type Config struct {
	BaseURL    string        `yaml:"base_url" doc:"Base URL of the API: https://api.pipedrive.com or the company domain, https://<company>.pipedrive.com."`
	Token      config.Secret `yaml:"token" spec:"required" doc:"API token."`
	PageSize   int           `yaml:"page_size" doc:"Page size of deal listings, 1 to 500."`
	Timeout    time.Duration `yaml:"timeout" doc:"Time limit of one HTTP request."`
	MaxRetries int           `yaml:"max_retries" doc:"Retries of a failing request, 0 to 100; 0 means none."`
	UpdateLag  time.Duration `yaml:"update_lag" doc:"How far before a pass's start the next pass's updated_since lies, to cover clock skew and Pipedrive's whole-second update times; not negative."`
	Deleted    bool          `yaml:"deleted" doc:"List deals deleted in the last 30 days every pass and emit deletes."`
	Archived   bool          `yaml:"archived" doc:"List archived deals every pass and emit deletes."`

	// RetryWaitMin and RetryWaitMax bound the retry backoff (defaults
	// 500ms and 30s); a rate-limit reset is waited for at most
	// RetryWaitMax. Tests shorten them.
	RetryWaitMin, RetryWaitMax time.Duration `yaml:"-"`
	// Now is the clock passes are timed by (default time.Now).
	Now func() time.Time `yaml:"-"`
}

// DefaultConfig returns the configuration with every default applied and
// no token.
func DefaultConfig() Config {
	return Config{
		BaseURL:      "https://api.pipedrive.com",
		PageSize:     500,
		Timeout:      30 * time.Second,
		MaxRetries:   8,
		UpdateLag:    time.Minute,
		Deleted:      true,
		Archived:     true,
		RetryWaitMin: 500 * time.Millisecond,
		RetryWaitMax: 30 * time.Second,
	}
}

// Validate reports every problem of the configuration, naming fields,
// never values.
func (c *Config) Validate() error {
	var errs []error
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, errors.New("base_url: must be an absolute http or https url"))
	}
	if err := c.Token.Validate("token"); err != nil {
		errs = append(errs, err)
	}
	if c.PageSize < 1 || c.PageSize > 500 {
		errs = append(errs, errors.New("page_size: must be between 1 and 500"))
	}
	if c.MaxRetries < 0 || c.MaxRetries > 100 {
		errs = append(errs, errors.New("max_retries: must be between 0 and 100"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("timeout: must be positive"))
	}
	if c.UpdateLag < 0 {
		errs = append(errs, errors.New("update_lag: must not be negative"))
	}
	if c.RetryWaitMin < 0 || c.RetryWaitMax < c.RetryWaitMin {
		errs = append(errs, errors.New("retry waits: need 0 <= min <= max"))
	}
	return errors.Join(errs...)
}

// Factory returns the "pipedrive" source kind for the registry.
func Factory() pipeline.SourceFactory {
	return pipeline.NewSourceFactory("pipedrive", DefaultConfig, New)
}
