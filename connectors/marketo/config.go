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
	BaseURL         string         `yaml:"base_url" spec:"required" doc:"REST API endpoint without /rest, e.g. https://123-ABC-456.mktorest.com."`
	IdentityURL     string         `yaml:"identity_url" doc:"Identity endpoint. Empty means base_url + /identity."`
	ClientID        string         `yaml:"client_id" spec:"required" doc:"Client id of the API-only user's LaunchPoint service."`
	ClientSecret    config.Secret  `yaml:"client_secret" spec:"required" doc:"Client secret of that service."`
	StartDate       string         `yaml:"start_date" spec:"required" doc:"Where the first lead pass begins, YYYY-MM-DD (UTC). Each window costs one export job."`
	WindowDays      int            `yaml:"window_days" doc:"Length of an export window in days, 1 to 31."`
	MQLField        string         `yaml:"mql_field" doc:"Lead field holding the MQL date, mapped to mql_at. Empty leaves mql_at empty."`
	ActivityTypeIDs []int          `yaml:"activity_type_ids" doc:"Activity types pulled, 1 to 10 ids."`
	ActivityTypes   map[int]string `yaml:"activity_types" doc:"Names of activity type ids; ids not named here are named from activities/types.json."`
	PageSize        int            `yaml:"page_size" doc:"Page size of activity pages, 1 to 300."`
	BatchSize       int            `yaml:"batch_size" doc:"CSV rows in one emitted page, 1 to 100000."`
	ChunkBytes      int64          `yaml:"chunk_bytes" doc:"Size in bytes of one Range request of an export file, 1024 to 62914560."`
	PollInterval    time.Duration  `yaml:"poll_interval" doc:"Least time between two status calls of an export job (Marketo updates the status once a minute)."`
	JobTimeout      time.Duration  `yaml:"job_timeout" doc:"Time limit of the wait for one export job."`
	Overlap         time.Duration  `yaml:"overlap" doc:"How far the next pass's window reaches back before this pass's end, for clock skew and second-precision times; at least 1s."`
	RateLimit       int            `yaml:"rate_limit" doc:"Calls sent to the instance in any 20 seconds, identity calls and retries included, 2 to 1000. The default is Marketo's limit per instance; lower it when other tools share the instance."`
	RateLimitWait   time.Duration  `yaml:"rate_limit_wait" doc:"Back-off after error 606 or 615 (Marketo allows 100 calls per 20 s)."`
	QueueWait       time.Duration  `yaml:"queue_wait" doc:"Wait after error 1029, export queue full."`
	Timeout         time.Duration  `yaml:"timeout" doc:"Time limit of one HTTP request."`
	MaxRetries      int            `yaml:"max_retries" doc:"Retries of a failing request, 0 to 100; 0 means none."`

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
	return pipeline.NewSourceFactory("marketo", DefaultConfig, New)
}
