package warehouse

import (
	"context"
	"fmt"
	"strings"
)

// Purgeable declares how one warehouse table expires and how a tenant's
// rows are found in it. Purge and tenant termination work from this list
// only, so a new table joins both by adding one entry to purgeables;
// TestEveryTableIsPurgeable fails for a table that is missing.
type Purgeable struct {
	Table string
	// Class is the retention class whose TTL sets Expires ("" when the
	// table's writer sets expires_at itself).
	Class Class
	// Expires is the expiry column; "" when rows expire only with their
	// tenant (cursors, offsets).
	Expires string
	// Written is the write-time column Expires is computed from, for
	// `tally retention apply`; "" when the table cannot be re-stamped.
	Written string
	// Day, when set, is the date column whose end Expires counts the TTL
	// from instead of Written (kpi_daily, see rollupExpiry).
	Day string
	// Tenant is the column holding the tenant id; "" when the table
	// finds a tenant's rows otherwise (TenantPred) or holds none.
	Tenant string
	// TenantPred, when set, returns the predicate (with ? placeholders)
	// and arguments matching a tenant's rows; it overrides Tenant.
	TenantPred func(tenant string, o PurgeOptions) (string, []any)
	// Partitioned is true for tables range-partitioned on Expires on
	// PostgreSQL.
	Partitioned bool
	// Analyst is true for the tables the reader role may read: they hold
	// minimized facts and rollups, no identity and nothing of subject
	// rights (see Access).
	Analyst bool
	// Pseudonyms are the columns holding pseudonyms ("kN_…"): a key
	// version is referenced through them (RetireKeys) and a rekey
	// rewrites them (Rekey). Erasure receipts are history and keep theirs.
	Pseudonyms []string
}

// tenantPred returns the predicate matching tenant's rows, or "" when the
// table holds no tenant data.
func (p Purgeable) tenantPred(tenant string, o PurgeOptions) (string, []any) {
	if p.TenantPred != nil {
		return p.TenantPred(tenant, o)
	}
	if p.Tenant == "" {
		return "", nil
	}
	return p.Tenant + " = ?", []any{tenant}
}

// purgeables lists every table of the warehouse but schema_migrations,
// in the order purge visits them. Tables of a later migration that the
// warehouse does not have yet are skipped at run time.
func (w *Warehouse) purgeables() []Purgeable { return registry(w.tables) }

// registry is the table registry of a warehouse whose fact tables are
// tables (object → table): purge, tenant termination, roles and key
// versions all work from it.
func registry(tables map[string]*factTable) []Purgeable {
	var out []Purgeable
	for _, name := range sortedKeys(tables) {
		out = append(out, Purgeable{Table: tables[name].name, Class: ClassFacts, Expires: "expires_at",
			Written: "written_at", Tenant: "tenant", Partitioned: true, Analyst: true, Pseudonyms: tables[name].pseudonyms})
	}
	out = append(out,
		Purgeable{Table: "kpi_daily", Class: ClassKPIs, Expires: "expires_at", Written: "written_at", Day: "day", Tenant: "tenant",
			Partitioned: true, Analyst: true, Pseudonyms: []string{"rep"}},
		Purgeable{Table: "quarantine", Class: ClassQuarantine, Expires: "expires_at", Written: "quarantined_at",
			Tenant: "tenant"},
		Purgeable{Table: "sync_cursors", Tenant: "tenant"},
		Purgeable{Table: "consumer_offsets", TenantPred: topicsOf},
		Purgeable{Table: "purge_runs", Class: ClassEvidence, Expires: "expires_at", Written: "started_at"},
		// A termination record outlives the tenant's data as evidence,
		// until its own expires_at (set when it completes).
		Purgeable{Table: "tenant_terminations", Class: ClassEvidence, Expires: "expires_at"},
		// Subject rights (migration 0002): expires_at is set by their writer.
		Purgeable{Table: "identity_vault", Expires: "expires_at", Tenant: "tenant", Pseudonyms: []string{"rep", "lookup"}},
		Purgeable{Table: "suppressions", Expires: "expires_at", Tenant: "tenant"},
		Purgeable{Table: "erasure_receipts", Expires: "expires_at", Tenant: "tenant"},
		Purgeable{Table: "pseudonym_keys", Expires: "expires_at", Tenant: "tenant"},
		Purgeable{Table: "subject_keys", Expires: "expires_at", Tenant: "tenant", Pseudonyms: []string{"subject"}},
		// Evidence of cursor resets (migration 0006, warehouse/cursors):
		// expires under retention.evidence, goes with its tenant.
		Purgeable{Table: "reset_runs", Class: ClassEvidence, Expires: "expires_at", Written: "reset_at", Tenant: "tenant"},
		// Evidence of sync passes (migration 0007, warehouse/syncruns).
		Purgeable{Table: "sync_runs", Class: ClassEvidence, Expires: "expires_at", Written: "started_at", Tenant: "tenant"},
		// Connector leases (migration 0009, warehouse/lease): go with their
		// tenant; live processes hold no tenant data.
		Purgeable{Table: "leases", Tenant: "tenant"},
		Purgeable{Table: "lease_holders"},
	)
	return out
}

// topicsOf matches the consumer offsets of a tenant's raw topics,
// <prefix>.<tenant>.<source>.<object>.
func topicsOf(tenant string, o PurgeOptions) (string, []any) {
	prefix := o.topicPrefix() + "." + tenant + "."
	return "substr(topic, 1, ?) = ?", []any{len(prefix), prefix}
}

// classOf returns the retention class of a table.
func classOf(table string) Class {
	switch {
	case table == "kpi_daily":
		return ClassKPIs
	case strings.HasSuffix(table, "_facts"):
		return ClassFacts
	case table == "quarantine":
		return ClassQuarantine
	}
	return ClassEvidence
}

// PurgeableTables returns the names of the tables purge and tenant
// termination cover, in visiting order.
func (w *Warehouse) PurgeableTables() []string {
	var out []string
	for _, p := range w.purgeables() {
		out = append(out, p.Table)
	}
	return out
}

// tableExists reports whether the current schema has table.
func (w *Warehouse) tableExists(ctx context.Context, table string) (bool, error) {
	q := "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	if w.d.name == Postgres {
		q = "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = ? AND c.relkind IN ('r', 'p')"
	}
	var n int
	if err := w.db.QueryRowContext(ctx, w.db.Rebind(q), table).Scan(&n); err != nil {
		return false, fmt.Errorf("looking up table %s: %w", table, redact(err))
	}
	return n > 0, nil
}
