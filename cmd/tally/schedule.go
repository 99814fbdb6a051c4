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
	spec := strings.TrimSpace(p.Schedule)
	if !strings.HasPrefix(spec, "@every") {
		spec = "CRON_TZ=" + loc.String() + " " + spec
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("purge.schedule: %w", err)
	}
	return s, nil
}

// scheduleProblems checks purge.schedule for `tally validate`.
func scheduleProblems(cfg *config.File) config.Problems {
	if cfg.Purge.Schedule == scheduleOff || cfg.Purge.Schedule == "" {
		return nil
	}
	p := cfg.Purge
	if _, err := time.LoadLocation(p.Timezone); err != nil {
		p.Timezone = "UTC" // config.Validate reports the time zone
	}
	if _, err := parseSchedule(p); err != nil {
		return config.Problems{{Line: cfg.Purge.Line, Msg: err.Error()}}
	}
	return nil
}

// purgeScheduler runs the purge on purge.schedule inside `tally run`. A
// run that is due while the previous one still runs is skipped; stop
// cancels the running purge (it stops at its next batch boundary and
// records itself as interrupted) and waits for it.
type purgeScheduler struct {
	c      *cron.Cron
	cancel context.CancelFunc
}

// startPurgeScheduler starts the scheduler, or returns nil when the
// schedule is off.
func startPurgeScheduler(ctx context.Context, cfg *config.File, wh *warehouse.Warehouse, logger *slog.Logger) (*purgeScheduler, error) {
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
	c.Schedule(sched, cron.FuncJob(func() { runScheduledPurge(ctx, cfg, wh, log) }))
	c.Start()
	log.Info("purge scheduled", "schedule", cfg.Purge.Schedule, "timezone", cfg.Purge.Timezone,
		"next", sched.Next(time.Now()).Format(time.RFC3339))
	return &purgeScheduler{c: c, cancel: cancel}, nil
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

// Stop stops scheduling, cancels a running purge and waits for it.
func (s *purgeScheduler) Stop() {
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
