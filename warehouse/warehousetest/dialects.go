package warehousetest

import (
	"testing"

	"github.com/tally-dev/tally/warehouse"
)

// Dialects runs fn as a subtest per dialect ("sqlite", "postgres"), each
// on a fresh migrated warehouse of the default configuration.
func Dialects(t *testing.T, fn func(t *testing.T, w *warehouse.Warehouse)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t, warehouse.Config{})) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t, warehouse.Config{})) })
}
