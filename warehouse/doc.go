// Package warehouse is tally's sink: it writes minimized facts, the KPI
// rollups derived from them, quarantine entries, consumer offsets and
// connector cursors to PostgreSQL (production) or SQLite (the embedded
// default), each batch in one transaction.
//
// Both dialects live in this package (postgres.go, sqlite.go) because it
// is the only package that imports a database driver. Every statement
// goes through sqldb-logger with argument logging off, and every driver
// error is re-wrapped into a *DBError that names the SQL state, table,
// column and constraint but never a row value, and unwraps to its kind:
// transient (retry), invalid (the record's value: quarantine it) or
// configuration. A malformed DSN is reported by CheckDSN naming what to
// fix, never quoting the DSN.
//
// Fact tables are named <object>_facts and hold one row per record
// pseudonym (column key) with one column per stored field of the object
// schema; kpi_daily holds per tenant, metric, day, rep, dimension and
// currency the sum (value) and number of facts (n) of each enabled KPI.
// Every fact, rollup and quarantine row carries an expires_at computed at
// write time from the configured TTLs.
//
// On PostgreSQL, analysts and privacy admins log in as themselves and
// are members of group roles (roles.go): all-tenant ones and one per
// tenant, which row-level security on every table with a tenant column
// limits to that tenant's rows (rls.go). Analysts read kpi_daily through
// PublishedView, which leaves out small groups of contact-derived KPIs
// (published.go). tally's writer owns the tables and is not subject to
// row-level security. SQLite is single-user: its access is the file's.
package warehouse
