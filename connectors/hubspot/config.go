package hubspot

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

// Config is the YAML configuration of a hubspot connector. Defaults are
// those of DefaultConfig.
type Config struct {
	BaseURL        string        `yaml:"base_url" doc:"Base URL of the HubSpot API."`
	Token          config.Secret `yaml:"token" spec:"required" doc:"Private-app token with the read scopes crm.objects.deals.read, crm.objects.contacts.read and crm.objects.owners.read."`
	PageSize       int           `yaml:"page_size" doc:"Page size of list requests, 1 to 100."`
	SearchPageSize int           `yaml:"search_page_size" doc:"Page size of incremental search requests, 1 to 200."`
	Timeout        time.Duration `yaml:"timeout" doc:"Time limit of one HTTP request."`
	MaxRetries     int           `yaml:"max_retries" doc:"Retries of a failing request (429 and 5xx answers, with backoff), 0 to 100; 0 means none."`
	SearchLag      time.Duration `yaml:"search_lag" doc:"How far before now an incremental search window ends, because HubSpot indexes changes for search with a delay; not negative."`
	Archived       bool          `yaml:"archived" doc:"List archived records every pass and emit deletes of their facts."`

	// SearchCap is HubSpot's search result cap (10,000); tests lower it
	// to exercise window slicing against a fake.
	SearchCap int `yaml:"-"`
	// RetryWaitMin and RetryWaitMax bound the retry backoff (defaults
	// 500ms and 30s); tests shorten them.
	RetryWaitMin, RetryWaitMax time.Duration `yaml:"-"`
	// Now is the clock passes are timed by (default time.Now).
	Now func() time.Time `yaml:"-"`
}

// DefaultConfig returns the configuration with every default applied and
// no token.
func DefaultConfig() Config {
	return Config{
		BaseURL:        "https://api.hubapi.com",
		PageSize:       100,
		SearchPageSize: 200,
		Timeout:        30 * time.Second,
		MaxRetries:     8,
		SearchLag:      2 * time.Minute,
		Archived:       true,
		SearchCap:      10_000,
		RetryWaitMin:   500 * time.Millisecond,
		RetryWaitMax:   30 * time.Second,
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
	between := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s: must be between %d and %d", field, lo, hi))
		}
	}
	between("page_size", c.PageSize, 1, 100)
	between("search_page_size", c.SearchPageSize, 1, 200)
	between("max_retries", c.MaxRetries, 0, 100)
	between("search_cap", c.SearchCap, 1, 10_000)
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("timeout: must be positive"))
	}
	if c.SearchLag < 0 {
		errs = append(errs, errors.New("search_lag: must not be negative"))
	}
	if c.RetryWaitMin < 0 || c.RetryWaitMax < c.RetryWaitMin {
		errs = append(errs, errors.New("retry waits: need 0 <= min <= max"))
	}
	return errors.Join(errs...)
}

// Factory returns the "hubspot" source kind for the registry.
func Factory() pipeline.SourceFactory {
	return pipeline.NewSourceFactory("hubspot", DefaultConfig, New)
}
