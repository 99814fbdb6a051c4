package warehouse

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/lib/pq"
)

// ErrNoSuchRole is returned by GrantTenantRole when the tenant's role
// or the user does not exist.
var ErrNoSuchRole = errors.New("role does not exist")

// GrantTenantRole makes user a member of tenant's reader role (or admin
// role when admin is set), <reader_role>_<tenant>: user then reads the
// rows of that tenant only (rls.go). The role must exist (ApplyRoles
// creates it for every configured tenant); the user must exist too. The
// error never names the user, which may be a person's login.
func (w *Warehouse) GrantTenantRole(ctx context.Context, tenant string, admin bool, user string) (role string, err error) {
	if w.d.name != Postgres {
		return "", errors.New("warehouse: the SQLite warehouse has no database roles")
	}
	base := w.cfg.Roles.Reader
	if admin {
		base = w.cfg.Roles.Admin
	}
	switch {
	case base == "":
		return "", errors.New("warehouse: that role kind is not configured (warehouse.reader_role or admin_role is empty)")
	case !slices.Contains(w.cfg.Roles.Tenants, tenant):
		return "", fmt.Errorf("warehouse: tenant %s is not configured", tenant)
	}
	role = TenantRole(base, tenant)
	for _, r := range []struct{ name, what string }{{role, "role " + role}, {user, "the user"}} {
		var n int
		if err := w.db.GetContext(ctx, &n, "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = $1", r.name); err != nil {
			return "", fmt.Errorf("warehouse: looking up %s: %w", r.what, redact(err))
		}
		if n == 0 {
			hint := ""
			if r.name == role {
				hint = "; run `tally roles apply` first"
			}
			return "", fmt.Errorf("warehouse: %s%s: %w", r.what, hint, ErrNoSuchRole)
		}
	}
	if _, err := w.db.ExecContext(ctx, "GRANT "+pq.QuoteIdentifier(role)+" TO "+pq.QuoteIdentifier(user)); err != nil {
		return "", fmt.Errorf("warehouse: granting role %s: %w", role, redact(err))
	}
	return role, nil
}
