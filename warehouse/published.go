package warehouse

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/lib/pq"

	"github.com/tally-dev/tally/schemas"
)

// PublishedView is what analysts read instead of kpi_daily: every rollup
// row of a rep KPI, and the rows of a contact-derived KPI (schemas
// kpis.yaml contact_derived: counts about the customer's people) only
// when at least MinGroupSize records contribute to them (kpi_daily.n).
// A reader therefore cannot single out a person from a small daily
// count; nor from the facts those counts are made of: the reader roles
// do not read the fact tables of contact-derived KPIs (lead_facts,
// activity_facts). Reps' own KPIs are about the rep and are not
// suppressed. The
// base table, unsuppressed, stays readable by the owner and the admin
// roles.
//
// The view is a security barrier view owned by the migrating user, so
// its readers need no grant on kpi_daily; because the owner is not
// subject to kpi_daily's row-level security, the view applies the same
// tenant predicate itself (current_user is still the reader's).
const PublishedView = "kpi_daily_published"

// DefaultMinGroupSize is privacy.min_group_size when unset.
const DefaultMinGroupSize = 5

// ContactKPIs returns the catalog's contact-derived KPIs, sorted as in
// the catalog.
func ContactKPIs(cat *schemas.Catalog) []string {
	var out []string
	for _, k := range cat.KPIs() {
		if k.ContactDerived {
			out = append(out, k.Name)
		}
	}
	return out
}

// contactFactTables returns the fact tables of the objects of the
// catalog's contact-derived KPIs: one row per person of the customer's,
// which the reader roles do not read (they read the counts of
// PublishedView).
func contactFactTables(cat *schemas.Catalog) []string {
	var out []string
	for _, k := range cat.KPIs() {
		if t := FactTable(k.Object); k.ContactDerived && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// publishedViewSQL returns the statements that (re)create PublishedView
// for the tenant predicate of r, contact KPIs metrics and group size k.
func publishedViewSQL(r Roles, metrics []string, k int) string {
	small := "true"
	if len(metrics) > 0 {
		quoted := make([]string, len(metrics))
		for i, m := range metrics {
			quoted[i] = pq.QuoteLiteral(m)
		}
		small = fmt.Sprintf("metric NOT IN (%s) OR n >= %d", strings.Join(quoted, ", "), k)
	}
	return fmt.Sprintf(`CREATE OR REPLACE VIEW %[1]s WITH (security_barrier) AS
SELECT tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at
FROM kpi_daily
WHERE (%[2]s) AND (%[3]s);
COMMENT ON VIEW %[1]s IS %[4]s`, PublishedView, tenantVisible(r), small,
		pq.QuoteLiteral(fmt.Sprintf("kpi_daily as analysts may read it: rows of the reader's tenants; rows of contact-derived KPIs only with at least %d contributing records (privacy.min_group_size)", k)))
}

// applyPublished (re)creates PublishedView and grants SELECT on it to
// roles. It reports false, with a Problem, when it could not.
func (w *Warehouse) applyPublished(ctx context.Context, tx *txn, roles []string, rep *RolesReport) (bool, error) {
	stmts := []string{publishedViewSQL(w.cfg.Roles, w.contactKPIs, w.cfg.MinGroupSize)}
	for _, role := range roles {
		stmts = append(stmts, "GRANT SELECT ON "+PublishedView+" TO "+pq.QuoteIdentifier(role))
	}
	code, err := tx.tolerate(ctx, strings.Join(stmts, ";\n"))
	switch {
	case err != nil:
		return false, fmt.Errorf("creating view %s: %w", PublishedView, err)
	case code == sqlInsufficientPrivilege:
		rep.Problems = append(rep.Problems, fmt.Sprintf(
			"cannot create view %s: it needs the owner of kpi_daily; run `tally roles apply` as that user", PublishedView))
		return false, nil
	case code != "":
		rep.Problems = append(rep.Problems, fmt.Sprintf("creating view %s failed with sql state %s", PublishedView, code))
		return false, nil
	}
	return true, nil
}
