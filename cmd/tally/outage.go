package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/tally-dev/tally/pipeline"

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

// waitForWarehouse calls open until it succeeds or fails with an error
// that is not transient, riding out a warehouse that is down or
// restarting at start up with capped exponential backoff (200 ms to
// 30 s, jittered): for wait, or until ctx is done when wait is
// negative; zero tries once. One warning when the wait starts, one info
// line when it ends.
func waitForWarehouse(ctx context.Context, logger *slog.Logger, wait time.Duration, open func() error) error {
	err := open()
	if err == nil || wait == 0 || !errors.Is(err, pipeline.ErrTransient) {
		return err
	}
	start := time.Now()
	logger.Warn("warehouse unreachable at start; retrying with backoff", "error", err)
	pause := 200 * time.Millisecond
	for {
		if wait > 0 && time.Since(start) >= wait {
			return fmt.Errorf("warehouse unreachable for %s; giving up: %w", wait, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (warehouse unreachable: %w)", ctx.Err(), err)
		case <-time.After(pause/2 + rand.N(pause/2+1)):
		}
		pause = min(2*pause, 30*time.Second)
		if err = open(); err == nil {
			logger.Info("warehouse reachable", "duration", time.Since(start).Round(time.Millisecond))
			return nil
		}
		if !errors.Is(err, pipeline.ErrTransient) {
			return err
		}
	}
}

// openWarehouseOrClose is openWarehouse that leaves no pool open when it
// fails after opening (a failed migration), so that it can be retried.
func (a *app) openWarehouseOrClose(ctx context.Context, cfg *config.File, kpis []string) error {
	err := a.openWarehouse(ctx, cfg, kpis)
	if err != nil && a.wh != nil {
		a.wh.Close()
		a.wh = nil
	}
	return err
}
