package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

func validateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration and list every problem with its line (exit 2 when invalid)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat := schemas.Default()
			cfg, err := loadConfig(g.configPath, newRegistry(), cat)
			if err != nil {
				return err
			}
			if _, err := newLogger(io.Discard, cfg.Log, g); err != nil {
				return withCode(exitConfig, err) // --log-level, --log-format
			}
			kpis := cfg.EnabledKPIs(cat)
			proj, err := cat.Project(kpis, cat.Objects())
			if err != nil {
				return err
			}
			n := 0
			for _, t := range cfg.Tenants {
				n += len(t.Connectors)
			}
			fmt.Fprintf(g.stdout, "%s is valid: %d tenant(s), %d connector(s), KPIs %v\n", g.configPath, len(cfg.Tenants), n, kpis)
			for _, w := range cfg.Kafka.SecurityWarnings() {
				fmt.Fprintf(g.stdout, "WARNING: %s\n", w)
			}
			for _, w := range cfg.SecretWarnings(newRegistry()) {
				fmt.Fprintf(g.stdout, "WARNING: %s\n", w)
			}
			fmt.Fprintln(g.stdout, "fields pulled per object (and why):")
			for _, o := range proj.Objects() {
				for _, f := range proj.Fields(o) {
					fmt.Fprintf(g.stdout, "  %s.%s: %v\n", o, f, proj[o][f])
				}
			}
			return nil
		},
	}
}

func migrateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply the warehouse migrations embedded in this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat := schemas.Default()
			cfg, err := loadAdminConfig(g.configPath, newRegistry(), cat)
			if err != nil {
				return err
			}
			logger, err := newLogger(g.stderr, cfg.Log, g)
			if err != nil {
				return withCode(exitConfig, err)
			}
			a := &app{cfg: cfg, cat: cat, logger: logger}
			defer a.Close()
			if err := a.openWarehouse(cmd.Context(), cfg, cfg.EnabledKPIs(cat)); err != nil {
				return err
			}
			fmt.Fprintln(g.stdout, "warehouse schema is up to date")
			return nil
		},
	}
}

func runCmd(g *globals) *cobra.Command {
	var once bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the pipeline: sync every connector each sync.interval and load the warehouse",
		Long:  "Run the pipeline: sync every connector each sync.interval and load the warehouse.\n\n" + runOnceHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			a, err := wireRun(ctx, g, &once)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.startLeases(ctx, once); err != nil {
				return err
			}
			cfg, logger := a.cfg, a.logger
			if !once || cfg.Admin.Listen != "" { // --once serves only when admin.listen is set
				adm, err := startAdmin(a, !once)
				if err != nil {
					return err
				}
				defer adm.Close()
			}
			if cfg.Metrics.Listen != "" {
				stop, err := serveMetrics(cfg.Metrics.Listen, a.metrics)
				if err != nil {
					return err
				}
				defer stop()
			}
			if once {
				rep, err := a.runner.RunOnceReport(ctx)
				return onceOutcome(rep, err, cfg.Quarantine.MaxShare, logger)
			} else {
				sched, serr := startPurgeScheduler(ctx, cfg, a.wh, logger, a.holdsFirstLease)
				if serr != nil {
					return serr
				}
				recon, rerr := startReconcileScheduler(ctx, cfg, a.runner, logger)
				if rerr != nil {
					sched.Stop()
					return rerr
				}
				err = a.runner.Run(ctx)
				recon.Stop()
				sched.Stop()
			}
			if errors.Is(err, pipeline.ErrQuota) {
				logger.Warn("a source's request quota is spent; everything pulled so far is committed and the next run resumes from there", "error", err)
				return nil
			}
			if errors.Is(err, pipeline.ErrConfig) {
				return withCode(exitConfig, err)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "run one sync pass, load everything it pulled, and exit")
	return cmd
}

// wire loads and validates the configuration and wires the app with
// its logger (no CRM I/O yet); the caller closes it.
func wire(ctx context.Context, g *globals) (*app, error) { return wireRun(ctx, g, nil) }

// wireRun is wire for `tally run`: when once is set, an unreachable
// warehouse is waited for at start up, for sync.outage_limit with
// *once, else until ctx is done.
func wireRun(ctx context.Context, g *globals, once *bool) (*app, error) {
	reg := newRegistry()
	cfg, err := loadConfig(g.configPath, reg, schemas.Default())
	if err != nil {
		return nil, err
	}
	logger, err := newLogger(g.stderr, cfg.Log, g)
	if err != nil {
		return nil, withCode(exitConfig, err)
	}
	opts := appOptions{}
	if once != nil {
		opts.warehouseWait = -1
		if *once {
			opts.warehouseWait = outageLimit(cfg.Sync)
		}
	}
	return newApp(ctx, cfg, reg, logger, opts)
}

// serveMetrics exposes the metrics for Prometheus.
func serveMetrics(addr string, m *metrics) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	m.state.log.Info("serving metrics", "address", "http://"+ln.Addr().String()+"/metrics")
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return func() { srv.Close() }, nil
}
