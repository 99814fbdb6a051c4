package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
)

// checkReconciles checks every connector's reconcile schedule
// (config.Validate checks that its kind can reconcile).
func checkReconciles(cfg *config.File) error {
	var errs []error
	for ti, t := range cfg.Tenants {
		for ci, c := range t.Connectors {
			if !c.Reconciles() {
				continue
			}
			if _, err := parseCron(c.Reconcile, time.UTC); err != nil {
				errs = append(errs, fmt.Errorf("tenants[%d].connectors[%d].reconcile: %w", ti, ci, err))
			}
		}
	}
	return errors.Join(errs...)
}

// startReconcileScheduler schedules the reconcile of each of runner's
// bindings that has a reconcile schedule, through Runner.Reconcile,
// which waits for the connector's sync pass to finish and its records
// to commit; it returns nil when no binding has one. A reconcile due
// while the previous one of the same connector runs (or waits for its
// turn) is skipped. Run cancels the running reconciles when it ends.
func startReconcileScheduler(ctx context.Context, cfg *config.File, runner *pipeline.Runner, logger *slog.Logger) (*cronScheduler, error) {
	bound := map[[2]string]bool{}
	for _, b := range runner.Bindings {
		bound[[2]string{b.Tenant, b.Name}] = true
	}
	log := logger.With("component", "reconcile")
	ctx, cancel := context.WithCancel(ctx)
	c := cron.New(cron.WithChain(cron.Recover(cronLogger{log}), cron.SkipIfStillRunning(cronLogger{log})))
	n := 0
	for _, t := range cfg.Tenants {
		for _, cn := range t.Connectors {
			tenant, name := t.ID, cn.InstanceName()
			if !cn.Reconciles() || !bound[[2]string{tenant, name}] {
				continue
			}
			sched, err := parseCron(cn.Reconcile, time.UTC)
			if err != nil {
				cancel()
				return nil, withCode(exitConfig, fmt.Errorf("reconcile schedule of %s/%s: %w", tenant, name, err))
			}
			c.Schedule(sched, cron.FuncJob(func() { runScheduledReconcile(ctx, runner, tenant, name, log) }))
			log.Info("reconcile scheduled", "tenant", tenant, "connector", name, "schedule", cn.Reconcile,
				"next", sched.Next(time.Now()).Format(time.RFC3339))
			n++
		}
	}
	if n == 0 {
		cancel()
		return nil, nil
	}
	c.Start()
	return &cronScheduler{c: c, cancel: cancel}, nil
}

func runScheduledReconcile(ctx context.Context, runner *pipeline.Runner, tenant, name string, log *slog.Logger) {
	if runner.Leases != nil { // once across the fleet: by the binding's holder
		l, ok := runner.Leases.Hold(tenant, name)
		if !ok {
			log.Info("scheduled reconcile skipped: another process holds the connector's lease", "tenant", tenant, "connector", name)
			return
		}
		l.Release()
	}
	start := time.Now()
	reports, err := runner.Reconcile(ctx, tenant, name, pipeline.ReconcileOptions{})
	deleted := 0
	for _, r := range reports {
		deleted += r.Deleted
	}
	log = log.With("tenant", tenant, "connector", name, "count", deleted, "duration", time.Since(start).Round(time.Millisecond))
	switch {
	case err == nil:
		log.Info("scheduled reconcile done")
	case errors.Is(err, pipeline.ErrNotRunning):
		log.Info("scheduled reconcile skipped: the pipeline is not running (yet)")
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		log.Info("scheduled reconcile cancelled; the next one starts over", "error", err)
	case errors.Is(err, pipeline.ErrQuota):
		log.Warn("scheduled reconcile stopped at the request quota; nothing was deleted for the unfinished object, the next one starts over", "error", err)
	default:
		log.Error("scheduled reconcile failed", "error", err)
	}
}
