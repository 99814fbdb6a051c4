package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/warehouse"
)

// scheduleOff disables the built-in purge schedule (an external cron
// runs `tally purge`).
const scheduleOff = "off"

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseSchedule parses purge.schedule in purge.timezone.
func parseSchedule(p config.Purge) (cron.Schedule, error) {
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		return nil, fmt.Errorf("purge.timezone: unknown time zone %q", p.Timezone)
	}
	s, err := parseCron(p.Schedule, loc)
	if err != nil {
		return nil, fmt.Errorf("purge.schedule: %w", err)
	}
	return s, nil
}

// parseCron parses a cron spec in loc, unless the spec names its own
// zone (CRON_TZ=) or is an interval (@every).
func parseCron(spec string, loc *time.Location) (cron.Schedule, error) {
	spec = strings.TrimSpace(spec)
	if !strings.HasPrefix(spec, "@every") && !strings.HasPrefix(spec, "CRON_TZ=") && !strings.HasPrefix(spec, "TZ=") {
		spec = "CRON_TZ=" + loc.String() + " " + spec
	}
	return cronParser.Parse(spec)
}

// checkSchedules checks purge.schedule and every connector's reconcile
// schedule with the parser `tally run` schedules them with (a
// config.Check).
func checkSchedules(cfg *config.File) error {
	errs := []error{checkReconciles(cfg)}
	if cfg.Purge.Schedule == scheduleOff || cfg.Purge.Schedule == "" {
		return errors.Join(errs...)
	}
	p := cfg.Purge
	if _, err := time.LoadLocation(p.Timezone); err != nil {
		p.Timezone = "UTC" // config.Validate reports the time zone
	}
	if _, err := parseSchedule(p); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// cronScheduler runs jobs on cron schedules inside `tally run`: the
// purge on purge.schedule (see startPurgeScheduler) and the connectors'
// reconciles (startReconcileScheduler). A run that is due while the
// previous one of the same job still runs is skipped; Stop cancels the
// running jobs (a purge stops at its next batch boundary and records
// itself as interrupted) and waits for them.
type cronScheduler struct {
	c      *cron.Cron
	cancel context.CancelFunc
}

// startPurgeScheduler starts the scheduler, or returns nil when the
// schedule is off.
// A gate, when given, is asked at each firing: false skips it (another
// process of the fleet purges, see holdsFirstLease).
func startPurgeScheduler(ctx context.Context, cfg *config.File, wh *warehouse.Warehouse, logger *slog.Logger, gate ...func() bool) (*cronScheduler, error) {
	if cfg.Purge.Schedule == scheduleOff {
		return nil, nil
	}
	sched, err := parseSchedule(cfg.Purge)
	if err != nil {
		return nil, withCode(exitConfig, err)
	}
	log := logger.With("component", "purge")
	ctx, cancel := context.WithCancel(ctx)
	c := cron.New(cron.WithChain(cron.Recover(cronLogger{log}), cron.SkipIfStillRunning(cronLogger{log})))
	c.Schedule(sched, cron.FuncJob(func() {
		for _, g := range gate {
			if !g() {
				log.Info("purge skipped: the process holding the first connector's lease purges")
				return
			}
		}
		runScheduledPurge(ctx, cfg, wh, log)
	}))
	c.Start()
	log.Info("purge scheduled", "schedule", cfg.Purge.Schedule, "timezone", cfg.Purge.Timezone,
		"next", sched.Next(time.Now()).Format(time.RFC3339))
	return &cronScheduler{c: c, cancel: cancel}, nil
}

func runScheduledPurge(ctx context.Context, cfg *config.File, wh *warehouse.Warehouse, log *slog.Logger) {
	start := time.Now()
	run, err := wh.Purge(ctx, purgeOptions(cfg, false))
	switch {
	case errors.Is(err, warehouse.ErrPurgeLocked):
		log.Info("purge skipped: another purge holds the lock")
	case err != nil:
		log.Error("purge failed", "error", err, "duration", time.Since(start))
	default:
		var n int64
		for _, t := range run.Tables {
			n += t.Removed()
		}
		log.Info("purge done", "count", n, "duration", time.Since(start), "run", run.ID)
	}
}

// Stop stops scheduling, cancels the running jobs and waits for them.
func (s *cronScheduler) Stop() {
	if s == nil {
		return
	}
	done := s.c.Stop()
	s.cancel()
	<-done.Done()
}

// cronLogger adapts cron's logger to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron "+msg, append(kv, "error", err)...)
}
