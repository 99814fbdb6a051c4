// Package warehousetest helps tests run against real warehouses: a fresh
// PostgreSQL schema per test (from TALLY_PG_DSN), a migrated SQLite file,
// and canonical dumps to compare two warehouses or grep one for values.
package warehousetest
