package warehouse

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Per-tenant roles. Each tenant T of Roles.Tenants gets two more group
// roles, named after the all-tenant ones: <reader_role>_T (the analysts
// of T) and <admin_role>_T (the privacy admins of T). They have the
// table grants of their all-tenant role, and the row-level security
// policies of every tenant table (rls.go) show a member of
// <reader_role>_T or <admin_role>_T the rows of tenant T only. Members of
// the all-tenant roles see every tenant.

// tenantIDRE is the tenant id of pipeline/config: it is safe in a quoted
// identifier and in a string literal.
var tenantIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// maxRoleName is PostgreSQL's identifier limit (NAMEDATALEN-1 bytes).
const maxRoleName = 63

// TenantRole returns the group role of base (the reader or admin role)
// for tenant: base_tenant.
func TenantRole(base, tenant string) string { return base + "_" + tenant }

// TenantAccess returns what each per-tenant role may read: for every
// tenant, the reader's tables for <reader>_tenant and the admin's for
// <admin>_tenant, rows of that tenant only.
func TenantAccess(all []RoleAccess, r Roles) []RoleAccess {
	var out []RoleAccess
	for _, tenant := range r.Tenants {
		if !tenantIDRE.MatchString(tenant) {
			continue
		}
		for _, ra := range all {
			out = append(out, RoleAccess{Role: TenantRole(ra.Role, tenant), Tenant: tenant,
				Audience: ra.Audience + ", rows of tenant " + tenant + " only", Tables: ra.Tables})
		}
	}
	return out
}

// validateTenants checks that every tenant's role names are at most
// 63 bytes (an id that is not a tenant id gets no roles;
// pipeline/config reports it), and that no per-tenant role of one
// base can be read as a per-tenant role of the other (reader "x" and
// admin "x_y" would make x_y_t both).
func (r Roles) validateTenants() error {
	var errs []error
	for _, tenant := range r.Tenants {
		if !tenantIDRE.MatchString(tenant) {
			continue // the configuration reports it; TenantAccess leaves it out
		}
		for _, base := range []string{r.Reader, r.Admin} {
			if base != "" && len(TenantRole(base, tenant)) > maxRoleName {
				errs = append(errs, fmt.Errorf("warehouse: role %s of tenant %s is longer than %d bytes; shorten the role name", TenantRole(base, "…"), tenant, maxRoleName))
			}
		}
	}
	if r.Reader != "" && r.Admin != "" && (strings.HasPrefix(r.Reader+"_", r.Admin+"_") || strings.HasPrefix(r.Admin+"_", r.Reader+"_")) {
		errs = append(errs, fmt.Errorf("warehouse: reader_role %q and admin_role %q: neither may start with the other followed by _, or per-tenant role names collide", r.Reader, r.Admin))
	}
	return errors.Join(errs...)
}
