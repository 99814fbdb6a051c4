package warehouse

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/lib/pq"
)

// SQLSTATEs ApplyRoles expects.
const (
	sqlInsufficientPrivilege = "42501"
	sqlDuplicateObject       = "42710"
	sqlUniqueViolation       = "23505" // concurrent CREATE ROLE of the same name
)

// RolesReport is what ApplyRoles did. Problems name what could not be
// done and the privilege it needs; nothing else was skipped.
type RolesReport struct {
	Created  []string `json:"created"`
	Granted  []string `json:"granted"` // roles whose grants are now exactly Access
	Problems []string `json:"problems"`
}

// ApplyRoles makes the configured roles exist and their read access to
// the current schema exactly what Access lists, on PostgreSQL (it does
// nothing on SQLite, whose access is the file's permissions). Migrate
// calls it after the migrations; `tally roles apply` calls it alone.
//
// The roles are the all-tenant ones of Access and the per-tenant ones of
// TenantAccess; every tenant table gets row-level security first
// (rls.go) and analysts read kpi_daily through PublishedView.
//
// A missing role is created NOLOGIN. Each role gets USAGE on the schema,
// SELECT on its tables and on every partition of them, and loses every
// privilege on the other registry tables and their partitions, so a
// reader never reads the vault even if someone granted it by hand.
// Partitions created later get the same grants from createPartition.
//
// It runs in one transaction under the migration lock, so concurrent
// processes do not race on the catalog; a role created concurrently by
// another cluster user counts as existing. When the connected user lacks
// CREATEROLE (or does not own the tables) the step is skipped and a
// Problem names the missing privilege: that is not an error, so Migrate
// goes on; so is any other database error of a CREATE ROLE or GRANT
// (with its SQLSTATE). Only context and connection errors are errors.
func (w *Warehouse) ApplyRoles(ctx context.Context) (*RolesReport, error) {
	rep := &RolesReport{}
	if w.d.name != Postgres {
		return rep, nil
	}
	acc := access(w.purgeables(), w.cfg.Roles, w.contactFacts)
	if len(acc) == 0 {
		return rep, nil
	}
	tenants := TenantAccess(acc, w.cfg.Roles)
	ready := map[string][]string{} // parent table → roles that read it
	err := w.inMigrationTx(ctx, func(tx *txn) error {
		var schema string
		if err := tx.get(ctx, &schema, "SELECT current_schema()"); err != nil {
			return fmt.Errorf("reading the current schema: %w", err)
		}
		tables, err := w.schemaTables(ctx, tx)
		if err != nil {
			return err
		}
		// Row-level security first: no per-tenant role is granted a
		// table before its policy holds (rls.go).
		secured, err := applyRLS(ctx, tx, tenantVisible(w.cfg.Roles), rep)
		if err != nil {
			return err
		}
		var viewers []string
		for _, ra := range append(acc, tenants...) {
			if ra.Tenant != "" && !secured {
				continue // applyRLS reported the problem
			}
			ok, err := ensureRole(ctx, tx, ra.Role, rep)
			if err != nil {
				return err
			}
			if ok {
				ok, err = grantExactly(ctx, tx, schema, ra, tables, rep)
			}
			if err != nil {
				return err
			}
			if ok {
				rep.Granted = append(rep.Granted, ra.Role)
				viewers = append(viewers, ra.Role)
				for _, t := range ra.Tables {
					ready[t] = append(ready[t], ra.Role)
				}
			}
		}
		if len(viewers) > 0 {
			if _, err := w.applyPublished(ctx, tx, viewers, rep); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("applying warehouse roles: %w", err)
	}
	w.grants.Store(&ready)
	return rep, nil
}

// ensureRole creates role NOLOGIN unless it exists and reports whether
// it exists afterwards.
func ensureRole(ctx context.Context, tx *txn, role string, rep *RolesReport) (bool, error) {
	var n int
	if err := tx.get(ctx, &n, "SELECT count(*) FROM pg_roles WHERE rolname = ?", role); err != nil {
		return false, fmt.Errorf("looking up role %s: %w", role, err)
	}
	if n > 0 {
		return true, nil
	}
	code, err := tx.tolerate(ctx, "CREATE ROLE "+pq.QuoteIdentifier(role)+" NOLOGIN")
	switch {
	case err != nil:
		return false, fmt.Errorf("creating role %s: %w", role, err)
	case code == "":
		rep.Created = append(rep.Created, role)
		return true, nil
	case code == sqlDuplicateObject || code == sqlUniqueViolation:
		return true, nil
	case code == sqlInsufficientPrivilege:
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"role %s does not exist and the connected user lacks the CREATEROLE privilege; run `tally roles apply` as a user with CREATEROLE, or CREATE ROLE %s NOLOGIN", role, role))
		return false, nil
	}
	rep.Problems = append(rep.Problems, fmt.Sprintf("creating role %s failed with sql state %s", role, code))
	return false, nil
}

// grantExactly gives ra.Role USAGE on the schema and SELECT on its
// tables (and their partitions), and revokes everything on the other
// tables. It reports false, with a Problem, when the connected user may
// not grant on the tables.
func grantExactly(ctx context.Context, tx *txn, schema string, ra RoleAccess, tables map[string][]string, rep *RolesReport) (bool, error) {
	var allow, deny []string
	readable := map[string]bool{}
	for _, t := range ra.Tables {
		readable[t] = true
	}
	for _, parent := range sortedKeys(tables) {
		for _, rel := range tables[parent] {
			if readable[parent] {
				allow = append(allow, pq.QuoteIdentifier(rel))
			} else {
				deny = append(deny, pq.QuoteIdentifier(rel))
			}
		}
	}
	role := pq.QuoteIdentifier(ra.Role)
	stmts := []string{"GRANT USAGE ON SCHEMA " + pq.QuoteIdentifier(schema) + " TO " + role}
	if len(allow) > 0 {
		stmts = append(stmts, "GRANT SELECT ON "+strings.Join(allow, ", ")+" TO "+role)
	}
	if len(deny) > 0 {
		stmts = append(stmts, "REVOKE ALL ON "+strings.Join(deny, ", ")+" FROM "+role)
	}
	for _, q := range stmts {
		code, err := tx.tolerate(ctx, q)
		switch {
		case err != nil:
			return false, fmt.Errorf("granting to role %s: %w", ra.Role, err)
		case code == sqlInsufficientPrivilege:
			rep.Problems = append(rep.Problems, fmt.Sprintf(
				"cannot grant to role %s: GRANT needs the owner of schema %s and its tables (or GRANT OPTION); run `tally roles apply` as that user", ra.Role, schema))
			return false, nil
		case code != "":
			rep.Problems = append(rep.Problems, fmt.Sprintf("granting to role %s failed with sql state %s", ra.Role, code))
			return false, nil
		}
	}
	return true, nil
}

// schemaTables returns, for every registry table the current schema
// has, the table and its partitions.
func (w *Warehouse) schemaTables(ctx context.Context, tx *txn) (map[string][]string, error) {
	out := map[string][]string{}
	for _, p := range w.purgeables() {
		var n int
		if err := tx.get(ctx, &n, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relname = ? AND c.relkind IN ('r', 'p')`, p.Table); err != nil {
			return nil, fmt.Errorf("looking up table %s: %w", p.Table, err)
		}
		if n > 0 {
			out[p.Table] = []string{p.Table}
		}
	}
	rows, err := tx.query(ctx, listPartitionsQuery, pq.Array(w.partitionedTables()))
	if err != nil {
		return nil, fmt.Errorf("listing partitions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var parent, child string
		if err := rows.Scan(&parent, &child); err != nil {
			return nil, fmt.Errorf("listing partitions: %w", redact(err))
		}
		if _, ok := out[parent]; ok {
			out[parent] = append(out[parent], child)
		}
	}
	for _, rels := range out {
		sort.Strings(rels[1:])
	}
	return out, redact(rows.Err())
}

// grantPartition gives a partition tally just created in tx the SELECT
// grants of its parent, for the roles ApplyRoles set up in this process.
// A grant that fails is logged and skipped: the partition is still
// readable through its parent, and the next ApplyRoles grants it.
func (w *Warehouse) grantPartition(ctx context.Context, tx *txn, parent, partition string) {
	ready := w.grants.Load()
	if ready == nil {
		return
	}
	for _, role := range (*ready)[parent] {
		code, err := tx.tolerate(ctx, "GRANT SELECT ON "+pq.QuoteIdentifier(partition)+" TO "+pq.QuoteIdentifier(role))
		if err == nil && code != "" {
			err = fmt.Errorf("sql state %s", code)
		}
		if err != nil {
			w.log.WarnContext(ctx, "granting a new partition to a role failed; run tally roles apply", "component", "warehouse",
				"table", partition, "role", role, "error", err)
		}
	}
}

// tolerate runs one statement under a savepoint. A database error rolls
// back to the savepoint, keeping the transaction usable, and comes back
// as its SQLSTATE; other errors (context, connection) are returned.
func (t *txn) tolerate(ctx context.Context, query string) (code string, err error) {
	if _, err := t.exec(ctx, "SAVEPOINT tally_tolerate"); err != nil {
		return "", err
	}
	_, err = t.exec(ctx, query)
	var dbErr *DBError
	if errors.As(err, &dbErr) && ctx.Err() == nil {
		if _, rerr := t.exec(ctx, "ROLLBACK TO SAVEPOINT tally_tolerate"); rerr != nil {
			return "", rerr
		}
		return dbErr.Code, nil
	}
	if err != nil {
		return "", err
	}
	_, err = t.exec(ctx, "RELEASE SAVEPOINT tally_tolerate")
	return "", err
}
