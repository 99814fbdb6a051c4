package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/lib/pq"
)

// Row-level security. Every table of tally's schema that has a tenant
// column, every partition included, has RLS enabled and one policy,
// tally_tenant, FOR SELECT: a row is visible to a member of the
// all-tenant reader or admin role, or to a member of the per-tenant
// role <reader_role>_<tenant> or <admin_role>_<tenant> of its tenant.
// Through a partitioned parent the parent's policy applies; a partition
// named directly applies its own, the same. The table owner (tally's
// writer, which migrates) is not subject to RLS: tally never uses FORCE.
// Table grants (roles_apply.go) still decide which tables a role reads
// at all: the policy only narrows the rows.
//
// The policy derives the tenant from role names at query time, so a
// per-tenant role created later (or by hand) works without re-applying,
// and a tenant without roles is simply invisible to per-tenant members.
// Role lookups go through pg_roles by oid, so a missing role is never
// an error. Both subqueries are uncorrelated: evaluated once per query.

// tenantPolicyName is tally's policy on every tenant table.
const tenantPolicyName = "tally_tenant"

// tenantVisible returns the SQL predicate on a row's tenant column that
// the policies and PublishedView share. r's names are validated
// identifiers, quoted as literals all the same.
func tenantVisible(r Roles) string {
	var perTenant, all []string
	for _, base := range []string{r.Reader, r.Admin} {
		if base == "" {
			continue
		}
		all = append(all, pq.QuoteLiteral(base))
		prefix := base + "_"
		perTenant = append(perTenant, fmt.Sprintf(
			"SELECT substr(r.rolname, %d) FROM pg_catalog.pg_roles r WHERE left(r.rolname, %d) = %s AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')",
			len(prefix)+1, len(prefix), pq.QuoteLiteral(prefix)))
	}
	if len(all) == 0 {
		return "false"
	}
	return fmt.Sprintf("tenant IN (%s) OR EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname IN (%s) AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))",
		strings.Join(perTenant, " UNION ALL "), strings.Join(all, ", "))
}

// tenantTablesQuery lists every table and partition of the current
// schema with a tenant column, whether RLS is on, and the comment of
// its tally_tenant policy (the predicate it was created with; "" when
// there is none).
const tenantTablesQuery = `SELECT c.relname, c.relrowsecurity, coalesce(obj_description(p.oid, 'pg_policy'), '')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant' AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_policy p ON p.polrelid = c.oid AND p.polname = '` + tenantPolicyName + `'
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname`

// secureStatements returns the statements that give table the policy of
// predicate and enable RLS, given its current state.
func secureStatements(table string, rls bool, current, predicate string) []string {
	t := pq.QuoteIdentifier(table)
	var out []string
	if current != predicate {
		out = append(out,
			"DROP POLICY IF EXISTS "+tenantPolicyName+" ON "+t,
			"CREATE POLICY "+tenantPolicyName+" ON "+t+" AS PERMISSIVE FOR SELECT TO PUBLIC USING ("+predicate+")",
			"COMMENT ON POLICY "+tenantPolicyName+" ON "+t+" IS "+pq.QuoteLiteral(predicate))
	}
	if !rls {
		out = append(out, "ALTER TABLE "+t+" ENABLE ROW LEVEL SECURITY")
	}
	return out
}

// applyRLS gives every tenant table of the schema RLS and the policy of
// predicate. It reports false, with a Problem, when the connected user
// may not (it must own the tables); the per-tenant roles must then get
// no grants.
func applyRLS(ctx context.Context, tx *txn, predicate string, rep *RolesReport) (bool, error) {
	type state struct {
		table   string
		rls     bool
		current string
	}
	var todo []state
	rows, err := tx.query(ctx, tenantTablesQuery)
	if err != nil {
		return false, fmt.Errorf("listing tenant tables: %w", err)
	}
	for rows.Next() {
		var s state
		if err := rows.Scan(&s.table, &s.rls, &s.current); err != nil {
			rows.Close()
			return false, fmt.Errorf("listing tenant tables: %w", redact(err))
		}
		todo = append(todo, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("listing tenant tables: %w", redact(err))
	}
	for _, s := range todo {
		stmts := secureStatements(s.table, s.rls, s.current, predicate)
		if len(stmts) == 0 {
			continue
		}
		code, err := tx.tolerate(ctx, strings.Join(stmts, ";\n"))
		switch {
		case err != nil:
			return false, fmt.Errorf("enabling row-level security on %s: %w", s.table, err)
		case code == sqlInsufficientPrivilege:
			rep.Problems = append(rep.Problems, fmt.Sprintf(
				"cannot enable row-level security on %s: it needs the owner of the table; run `tally roles apply` as that user (per-tenant roles get no grants until then)", s.table))
			return false, nil
		case code != "":
			rep.Problems = append(rep.Problems, fmt.Sprintf("enabling row-level security on %s failed with sql state %s", s.table, code))
			return false, nil
		}
	}
	return true, nil
}

// securePartition gives a partition tally just created in tx its
// parent's policy and enables RLS on it, so that naming it directly
// shows what the parent shows. It reports false (and logs) when that
// failed: the caller must then not grant the partition to anyone. A
// parent without tally's policy (roles never applied) has nothing to
// copy: true.
func (w *Warehouse) securePartition(ctx context.Context, tx *txn, parent, partition string) bool {
	var predicate string
	err := tx.get(ctx, &predicate, `SELECT coalesce(obj_description(p.oid, 'pg_policy'), '')
		FROM pg_catalog.pg_policy p WHERE p.polrelid = to_regclass(?) AND p.polname = '`+tenantPolicyName+`'`, parent)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		w.log.WarnContext(ctx, "reading a partition's row-level security failed; run tally roles apply", "component", "warehouse",
			"table", partition, "error", err)
		return false
	}
	if predicate == "" {
		return true
	}
	code, err := tx.tolerate(ctx, strings.Join(secureStatements(partition, false, "", predicate), ";\n"))
	if err == nil && code != "" {
		err = fmt.Errorf("sql state %s", code)
	}
	if err != nil {
		w.log.WarnContext(ctx, "enabling row-level security on a new partition failed; it is not granted to any role; run tally roles apply",
			"component", "warehouse", "table", partition, "error", err)
		return false
	}
	return true
}
