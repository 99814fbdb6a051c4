package main

import (
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

// dsnProblems reports a PostgreSQL DSN that cannot be parsed, naming
// what to fix and never quoting it, so that validate, check, migrate and
// run all stop on it with exit code 2.
func dsnProblems(cfg *config.File) config.Problems {
	w := cfg.Warehouse
	if w.Driver != warehouse.Postgres || !w.DSN.Set() {
		return nil
	}
	if err := warehouse.CheckDSN(w.DSN.Reveal()); err != nil {
		return config.Problems{{Line: w.Line, Msg: "warehouse.dsn: " + err.Error()}}
	}
	return nil
}
