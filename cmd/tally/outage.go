package main

import (
	"fmt"
	"time"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/warehouse"
)

// outageLimit maps sync.outage_limit to Runner.OutageLimit, where zero
// means the default and a negative value no retry.
func outageLimit(s config.Sync) time.Duration {
	if s.OutageLimit.D() == 0 {
		return -1
	}
	return s.OutageLimit.D()
}

// checkDSN reports a PostgreSQL DSN that cannot be parsed, naming what
// to fix and never quoting it, so that validate, check, migrate and run
// all stop on it with exit code 2.
func checkDSN(cfg *config.File) error {
	w := cfg.Warehouse
	if w.Driver != warehouse.Postgres || !w.DSN.Set() {
		return nil
	}
	if err := warehouse.CheckDSN(w.DSN.Reveal()); err != nil {
		return fmt.Errorf("warehouse.dsn: %w", err)
	}
	return nil
}
