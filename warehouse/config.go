package warehouse

import (
	"errors"
	"fmt"
	"time"
)

// Drivers.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// Default TTLs, applied when a Config leaves them zero.
const (
	DefaultFactTTL       = 400 * 24 * time.Hour
	DefaultKPITTL        = 800 * 24 * time.Hour
	DefaultQuarantineTTL = 30 * 24 * time.Hour
	DefaultEvidenceTTL   = 800 * 24 * time.Hour
)

// Config configures a warehouse.
type Config struct {
	// Driver is "postgres" or "sqlite".
	Driver string `yaml:"driver"`
	// DSN is the PostgreSQL connection string (URL or key=value form); it
	// may set search_path. Sensitive: it may hold a password.
	DSN string `yaml:"dsn"`
	// Path is the SQLite database file.
	Path string `yaml:"path"`
	// FactTTL, KPITTL and QuarantineTTL set expires_at of fact, rollup
	// and quarantine rows relative to the time of the write. Zero means
	// the default (400, 800 and 30 days).
	FactTTL       time.Duration `yaml:"fact_ttl"`
	KPITTL        time.Duration `yaml:"kpi_ttl"`
	QuarantineTTL time.Duration `yaml:"quarantine_ttl"`
	// EvidenceTTL sets expires_at of purge-run evidence and completed
	// tenant terminations. Zero means the default (800 days).
	EvidenceTTL time.Duration `yaml:"evidence_ttl"`
	// TenantTTLs overrides the fact, KPI and quarantine TTLs per tenant.
	TenantTTLs map[string]TTLs `yaml:"tenant_ttls"`
	// KPIs names the enabled KPIs of the catalog; their rollups are
	// maintained in kpi_daily. Empty means no rollups.
	KPIs []string `yaml:"kpis"`
	// Roles are the database roles Migrate creates and grants on
	// PostgreSQL (see ApplyRoles); zero means none.
	Roles Roles `yaml:"roles"`
	// MinGroupSize is privacy.min_group_size: PublishedView leaves out
	// rows of contact-derived KPIs with fewer contributing records. Zero
	// means DefaultMinGroupSize.
	MinGroupSize int `yaml:"min_group_size"`
}

// Validate reports every problem of the configuration at once. It never
// echoes the DSN.
func (c Config) Validate() error {
	var errs []error
	switch c.Driver {
	case Postgres:
		if c.DSN == "" {
			errs = append(errs, errors.New("warehouse: dsn is required for driver postgres"))
		}
		if c.Path != "" {
			errs = append(errs, errors.New("warehouse: path is only for driver sqlite"))
		}
	case SQLite:
		if c.Path == "" {
			errs = append(errs, errors.New("warehouse: path is required for driver sqlite"))
		}
		if c.DSN != "" {
			errs = append(errs, errors.New("warehouse: dsn is only for driver postgres"))
		}
	default:
		errs = append(errs, fmt.Errorf("warehouse: driver %q (postgres or sqlite)", c.Driver))
	}
	for _, ttl := range []struct {
		name string
		d    time.Duration
	}{{"fact_ttl", c.FactTTL}, {"kpi_ttl", c.KPITTL}, {"quarantine_ttl", c.QuarantineTTL}, {"evidence_ttl", c.EvidenceTTL}} {
		if ttl.d < 0 {
			errs = append(errs, fmt.Errorf("warehouse: %s must not be negative", ttl.name))
		}
	}
	for tenant, o := range c.TenantTTLs {
		if o.Facts < 0 || o.KPIs < 0 || o.Quarantine < 0 {
			errs = append(errs, fmt.Errorf("warehouse: ttls of tenant %s must not be negative", tenant))
		}
	}
	if c.MinGroupSize < 0 {
		errs = append(errs, errors.New("warehouse: min_group_size must not be negative"))
	}
	if err := c.Roles.Validate(); err != nil {
		errs = append(errs, err)
	}
	seen := map[string]bool{}
	for _, k := range c.KPIs {
		switch {
		case k == "":
			errs = append(errs, errors.New("warehouse: empty kpi name"))
		case seen[k]:
			errs = append(errs, fmt.Errorf("warehouse: kpi %s listed twice", k))
		}
		seen[k] = true
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.FactTTL == 0 {
		c.FactTTL = DefaultFactTTL
	}
	if c.KPITTL == 0 {
		c.KPITTL = DefaultKPITTL
	}
	if c.QuarantineTTL == 0 {
		c.QuarantineTTL = DefaultQuarantineTTL
	}
	if c.EvidenceTTL == 0 {
		c.EvidenceTTL = DefaultEvidenceTTL
	}
	if c.MinGroupSize == 0 {
		c.MinGroupSize = DefaultMinGroupSize
	}
	return c
}

// policy returns the retention policy of a configuration with defaults.
func (c Config) policy() Policy {
	return Policy{Facts: c.FactTTL, KPIs: c.KPITTL, Quarantine: c.QuarantineTTL, Evidence: c.EvidenceTTL,
		Tenants: c.TenantTTLs}
}
