package warehouse

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tally-dev/tally/schemas"
)

// Default role names (tally.yaml warehouse.reader_role and admin_role).
const (
	DefaultReaderRole = "tally_reader"
	DefaultAdminRole  = "tally_admin"
)

// Roles names the PostgreSQL group roles (NOLOGIN) that tally creates
// and grants read access to; people log in as their own users and are
// made members (GRANT tally_reader TO alice). An empty name leaves that
// role out. Roles are cluster-wide; their grants are per schema.
type Roles struct {
	// Reader is the analysts' role: facts and KPI rollups only.
	Reader string `yaml:"reader_role"`
	// Admin is the privacy admins' role: everything the reader reads,
	// plus the identity vault and the subject-rights tables.
	Admin string `yaml:"admin_role"`
	// Tenants are the tenants that get per-tenant roles (roles_tenant.go).
	Tenants []string `yaml:"-"`
}

var roleNameRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Validate reports every problem with the role names: each must be a
// plain lower-case identifier (it is written into GRANT statements),
// not a reserved name, and the two must differ.
func (r Roles) Validate() error {
	var errs []error
	for _, role := range []struct{ key, name string }{{"reader_role", r.Reader}, {"admin_role", r.Admin}} {
		switch {
		case role.name == "":
		case !roleNameRE.MatchString(role.name):
			errs = append(errs, fmt.Errorf("warehouse: %s %q must be 1-63 characters of a-z, 0-9 and _, not starting with a digit", role.key, role.name))
		case strings.HasPrefix(role.name, "pg_") || role.name == "public" || role.name == "postgres":
			errs = append(errs, fmt.Errorf("warehouse: %s %q is reserved by PostgreSQL", role.key, role.name))
		}
	}
	if r.Reader != "" && r.Reader == r.Admin {
		errs = append(errs, fmt.Errorf("warehouse: reader_role and admin_role are both %q; the reader must not read the vault", r.Reader))
	}
	if err := r.validateTenants(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// RoleAccess is what one role may read: SELECT on Tables (and their
// partitions) and nothing else in tally's schema. Access is the one list
// that both ApplyRoles and the processing report use.
type RoleAccess struct {
	Role     string   `json:"role"`
	Tenant   string   `json:"tenant,omitempty"` // "" for an all-tenant role
	Audience string   `json:"audience"`
	Tables   []string `json:"tables"`
}

// Access returns what each configured role may read, for a warehouse of
// the catalog's objects: the reader the analyst tables of the table
// registry (facts, except those of contact-derived KPIs: lead_facts,
// activity_facts) and PublishedView instead of kpi_daily, the admin
// every table of the registry and PublishedView.
func Access(cat *schemas.Catalog, r Roles) []RoleAccess {
	return access(registry(factTables(cat)), r, contactFactTables(cat))
}

// access lists what each role reads of reg; the reader reads none of
// contact, the fact tables of contact-derived KPIs (published.go).
func access(reg []Purgeable, r Roles, contact []string) []RoleAccess {
	var out []RoleAccess
	if r.Reader != "" {
		ra := RoleAccess{Role: r.Reader, Audience: "analysts: minimized facts (not those of contact-derived KPIs) and the published KPI rollups (small groups of contact-derived KPIs left out), read-only"}
		for _, p := range reg {
			// Readers read kpi_daily through PublishedView, and the rows
			// of the customer's people only as its suppressed counts.
			if p.Analyst && p.Table != "kpi_daily" && !slices.Contains(contact, p.Table) {
				ra.Tables = append(ra.Tables, p.Table)
			}
		}
		ra.Tables = append(ra.Tables, PublishedView)
		out = append(out, ra)
	}
	if r.Admin != "" {
		ra := RoleAccess{Role: r.Admin, Audience: "privacy admins: everything analysts read, the identity vault (ciphertext) and the subject-rights tables, read-only"}
		for _, p := range reg {
			ra.Tables = append(ra.Tables, p.Table)
		}
		ra.Tables = append(ra.Tables, PublishedView)
		out = append(out, ra)
	}
	return out
}
