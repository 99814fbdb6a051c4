package marketo

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

// Config is the YAML configuration of a marketo connector. Defaults are
// those of DefaultConfig.
type Config struct {
	// BaseURL is the REST API endpoint without /rest, e.g.
	// https://123-ABC-456.mktorest.com; required.
	BaseURL string `yaml:"base_url"`
	// IdentityURL is the Identity endpoint (default BaseURL + "/identity").
	IdentityURL string `yaml:"identity_url"`
	// ClientID of the API-only user's LaunchPoint service; required.
	ClientID string `yaml:"client_id"`
	// ClientSecret of that service, as an ${ENV} reference; required.
	ClientSecret config.Secret `yaml:"client_secret"`
	// StartDate (YYYY-MM-DD, UTC) is where the first lead pass begins;
	// required. Each 31-day window costs one export job.
	StartDate string `yaml:"start_date"`
	// WindowDays is the length of an export window, 1 to 31 (default 31).
	WindowDays int `yaml:"window_days"`
	// MQLField is the lead field holding the MQL date, mapped to mql_at
	// (default none: mql_at stays empty).
	MQLField string `yaml:"mql_field"`
	// ActivityTypeIDs are the activity types pulled, 1 to 10 ids
	// (default 1, 2, 6, 7, 10, 11, 12).
	ActivityTypeIDs []int `yaml:"activity_type_ids"`
	// ActivityTypes names activity type ids; ids not named here are
	// named from activities/types.json.
	ActivityTypes map[int]string `yaml:"activity_types"`
	// PageSize of activity pages, 1 to 300 (default 300).
	PageSize int `yaml:"page_size"`
	// BatchSize is how many CSV rows one emitted page holds (default 1000).
	BatchSize int `yaml:"batch_size"`
	// ChunkBytes is the size of one Range request of an export file
	// (default 8 MiB).
	ChunkBytes int64 `yaml:"chunk_bytes"`
	// PollInterval is the least time between two status calls of an
	// export job (default 60s; Marketo updates status once a minute).
	PollInterval time.Duration `yaml:"poll_interval"`
	// JobTimeout bounds the wait for one export job (default 6h).
	JobTimeout time.Duration `yaml:"job_timeout"`
	// Overlap is how far the next pass's window reaches back before this
	// pass's end, for clock skew and second-precision times (default 1m).
	Overlap time.Duration `yaml:"overlap"`
	// RateLimit is how many calls the connector sends to the instance in
	// any 20 seconds, identity calls and retries included (default 100,
	// Marketo's limit per instance; lower it when other tools share the
	// instance). Between 2 and 1000.
	RateLimit int `yaml:"rate_limit"`
	// RateLimitWait is the back-off after error 606 or 615 (default 20s:
	// Marketo allows 100 calls per 20 s).
	RateLimitWait time.Duration `yaml:"rate_limit_wait"`
	// QueueWait is the wait after error 1029, export queue full
	// (default 60s).
	QueueWait time.Duration `yaml:"queue_wait"`
	// Timeout of one HTTP request (default 60s).
	Timeout time.Duration `yaml:"timeout"`
	// MaxRetries of a failing request (default 8; 0 means none).
	MaxRetries int `yaml:"max_retries"`

	// RateWindow is the window of RateLimit (default 20s, Marketo's);
	// tests shorten it.
	RateWindow time.Duration `yaml:"-"`
	// RetryWaitMin and RetryWaitMax bound the retry backoff (defaults
	// 500ms and 30s); tests shorten them.
	RetryWaitMin, RetryWaitMax time.Duration `yaml:"-"`
	// Now is the clock passes are timed by (default time.Now).
	Now func() time.Time `yaml:"-"`
}

// DefaultConfig returns the configuration with every default applied and
// no endpoint or credentials.
func DefaultConfig() Config {
	return Config{
		WindowDays:      31,
		ActivityTypeIDs: []int{1, 2, 6, 7, 10, 11, 12},
		PageSize:        300,
		BatchSize:       1000,
		ChunkBytes:      8 << 20,
		PollInterval:    60 * time.Second,
		JobTimeout:      6 * time.Hour,
		Overlap:         time.Minute,
		RateLimit:       100,
		RateWindow:      20 * time.Second,
		RateLimitWait:   20 * time.Second,
		QueueWait:       60 * time.Second,
		Timeout:         60 * time.Second,
		MaxRetries:      8,
		RetryWaitMin:    500 * time.Millisecond,
		RetryWaitMax:    30 * time.Second,
	}
}

func absolute(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// identityURL returns the Identity endpoint.
func (c *Config) identityURL() string {
	if c.IdentityURL != "" {
		return c.IdentityURL
	}
	return c.BaseURL + "/identity"
}

// startDate returns StartDate as a UTC instant.
func (c *Config) startDate() (time.Time, error) {
	return time.Parse(time.DateOnly, c.StartDate)
}

// Validate reports every problem of the configuration, naming fields,
// never values.
func (c *Config) Validate() error {
	var errs []error
	if !absolute(c.BaseURL) {
		errs = append(errs, errors.New("base_url: must be an absolute http or https url"))
	}
	if c.IdentityURL != "" && !absolute(c.IdentityURL) {
		errs = append(errs, errors.New("identity_url: must be an absolute http or https url"))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("client_id: required"))
	}
	if err := c.ClientSecret.Validate("client_secret"); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.startDate(); err != nil {
		errs = append(errs, errors.New("start_date: required, as YYYY-MM-DD"))
	}
	between := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s: must be between %d and %d", field, lo, hi))
		}
	}
	between("window_days", c.WindowDays, 1, 31)
	between("page_size", c.PageSize, 1, 300)
	between("batch_size", c.BatchSize, 1, 100_000)
	between("max_retries", c.MaxRetries, 0, 100)
	between("rate_limit", c.RateLimit, 2, 1000)
	between("activity_type_ids", len(c.ActivityTypeIDs), 1, 10)
	if c.ChunkBytes < 1024 || c.ChunkBytes > 60<<20 {
		errs = append(errs, errors.New("chunk_bytes: must be between 1024 and 62914560"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"poll_interval", c.PollInterval}, {"job_timeout", c.JobTimeout}, {"timeout", c.Timeout},
		{"rate_limit_wait", c.RateLimitWait}, {"queue_wait", c.QueueWait}, {"rate window", c.RateWindow}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", d.name))
		}
	}
	if c.Overlap < time.Second {
		errs = append(errs, errors.New("overlap: must be at least 1s (marketo times have second precision)"))
	}
	if c.RetryWaitMin < 0 || c.RetryWaitMax < c.RetryWaitMin {
		errs = append(errs, errors.New("retry waits: need 0 <= min <= max"))
	}
	return errors.Join(errs...)
}

// Factory returns the "marketo" source kind for the registry.
func Factory() pipeline.SourceFactory {
	return pipeline.SourceFactory{
		Kind: "marketo",
		NewConfig: func() pipeline.Validator {
			c := DefaultConfig()
			return &c
		},
		New: func(cfg pipeline.Validator, env pipeline.SourceEnv) (pipeline.Source, error) {
			c, ok := cfg.(*Config)
			if !ok {
				return nil, fmt.Errorf("marketo: configuration of type %T, want *marketo.Config: %w", cfg, pipeline.ErrConfig)
			}
			return New(*c, env)
		},
	}
}
