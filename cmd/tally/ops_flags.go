package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
)

// opsVersion is the version of the JSON documents `tally quarantine`
// and `tally reset` print; it changes only when a field changes meaning
// or goes away (fields may be added).
const opsVersion = 1

// checkConnector returns a usage error (exit 2) unless tenant has a
// connector of that instance name (its name, else its kind).
func checkConnector(cfg *config.File, tenant, name string) error {
	var names []string
	for _, t := range cfg.Tenants {
		if t.ID != tenant {
			continue
		}
		for _, c := range t.Connectors {
			if c.InstanceName() == name {
				return nil
			}
			names = append(names, c.InstanceName())
		}
	}
	return withCode(exitConfig, fmt.Errorf("tenant %s has no connector %q (configured: %s)", tenant, name, strings.Join(names, ", ")))
}

// parseSince reads --since: a duration back from now (90m, 24h, 7d) or
// an RFC 3339 instant. "" means no bound.
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := config.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, withCode(exitConfig, fmt.Errorf("--since: duration must be positive"))
		}
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, withCode(exitConfig, fmt.Errorf("--since: want a duration (90m, 24h, 7d) or an RFC 3339 time (2026-01-02T15:04:05Z)"))
	}
	return t, nil
}

// openForOps is openWarehouseApp with check run on the configuration
// before anything is opened, so that a usage error touches no database.
// Without a check, call openWarehouseApp.
func openForOps(ctx context.Context, g *globals, check func(*config.File) error) (*app, error) {
	cat := schemas.Default()
	cfg, err := loadAdminConfig(g.configPath, newRegistry(), cat)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(cfg); err != nil {
			return nil, err
		}
	}
	logger, err := newLogger(g.stderr, cfg.Log, g)
	if err != nil {
		return nil, withCode(exitConfig, err)
	}
	a := &app{cfg: cfg, cat: cat, logger: logger}
	if err := a.openWarehouse(ctx, cfg, cfg.EnabledKPIs(cat)); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}
