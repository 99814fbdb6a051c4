package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// RegionEnv overrides the top-level region key: a deployment states the
// region it runs in, the file states the region of each tenant.
const RegionEnv = "TALLY_REGION"

// regionRE is the form of a region: "us", "eu", "eu-central-1".
var regionRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// applyRegionEnv lets TALLY_REGION override region.
func (f *File) applyRegionEnv() {
	if r := os.Getenv(RegionEnv); r != "" {
		f.Region = r
	}
}

// residencyProblems reports a region that is not well formed, a tenant
// without a region when the process has one, a tenant with a region when
// the process has none, and every tenant of another region than the
// process's: a process never pulls, consumes or writes such a tenant.
func (f *File) residencyProblems() error {
	var errs []error
	if f.Region != "" && !regionRE.MatchString(f.Region) {
		errs = append(errs, fmt.Errorf("region: %q must be 2-40 characters of a-z, 0-9 and -, starting with a letter (e.g. us, eu, eu-central-1)", f.Region))
	}
	for i, t := range f.Tenants {
		where := fmt.Sprintf("tenants[%d].region", i)
		switch {
		case t.Region == "" && f.Region != "":
			errs = append(errs, fmt.Errorf("%s: required: this process serves region %s; state the region where tenant %s's data must stay", where, f.Region, t.ID))
		case t.Region == "":
		case !regionRE.MatchString(t.Region):
			errs = append(errs, fmt.Errorf("%s: %q must be 2-40 characters of a-z, 0-9 and -, starting with a letter (e.g. us, eu)", where, t.Region))
		case f.Region == "":
			errs = append(errs, fmt.Errorf("%s: tenant %s is in region %s, but this process states no region (set region or %s)", where, t.ID, t.Region, RegionEnv))
		case t.Region != f.Region:
			errs = append(errs, fmt.Errorf("%s: tenant %s is in region %s; this process serves %s", where, t.ID, t.Region, f.Region))
		}
	}
	return errors.Join(errs...)
}

// TenantAllowed reports whether this process may handle the records of
// tenant: a configured tenant of the process's region (or, with no
// region at all, any configured tenant). The runner quarantines the
// records of any other tenant with rule "region" (pipeline.Runner's
// AllowTenant), in case validation was bypassed or a raw topic of
// another region's process reaches this one.
func (f *File) TenantAllowed(tenant string) bool {
	for _, t := range f.Tenants {
		if t.ID == tenant {
			return t.Region == f.Region
		}
	}
	return false
}

// Residency is what the processing report states about where each
// tenant's data lives and what serves it: hosts only, never a
// credential, user name or path.
type Residency struct {
	Region    string            `json:"region"`
	Warehouse string            `json:"warehouse"` // "postgres db.example.eu:5432", "sqlite (local file)"
	Kafka     []string          `json:"kafka"`     // broker host:port, or "embedded broker (127.0.0.1)"
	Tenants   []TenantResidency `json:"tenants"`
}

// TenantResidency is one tenant's region.
type TenantResidency struct {
	Tenant string `json:"tenant"`
	Region string `json:"region"`
}

// Residency returns the residency statement of the configuration.
func (f *File) Residency() Residency {
	r := Residency{Region: f.Region, Warehouse: f.Warehouse.Endpoint(), Kafka: f.Kafka.Endpoints()}
	for _, t := range f.Tenants {
		r.Tenants = append(r.Tenants, TenantResidency{Tenant: t.ID, Region: t.Region})
	}
	return r
}

// Endpoints returns the brokers' addresses (they hold no credential), or
// the embedded broker.
func (k Kafka) Endpoints() []string {
	if len(k.Brokers) == 0 {
		return []string{"embedded broker (127.0.0.1, this process)"}
	}
	return append([]string(nil), k.Brokers...)
}

// Endpoint names the warehouse's driver and host:port, never the DSN's
// user, password or parameters.
func (w Warehouse) Endpoint() string {
	if w.Driver != "postgres" {
		return w.Driver + " (local file)"
	}
	host := dsnHost(w.DSN.Reveal())
	if host == "" {
		return "postgres (host not stated: local socket or PGHOST)"
	}
	return "postgres " + host
}

// dsnHost returns the host[:port] of a PostgreSQL DSN in URL or
// key=value form, or "".
func dsnHost(dsn string) string {
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return ""
		}
		return u.Host
	}
	var host, port string
	for _, kv := range strings.Fields(dsn) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch k {
		case "host":
			host = strings.Trim(v, "'")
		case "port":
			port = strings.Trim(v, "'")
		}
	}
	if host == "" || strings.HasPrefix(host, "/") {
		return ""
	}
	if port != "" {
		return net.JoinHostPort(host, port)
	}
	return host
}
