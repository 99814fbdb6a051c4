package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/kafka"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/generalize"
	"github.com/tally-dev/tally/transforms/guard"
	"github.com/tally-dev/tally/transforms/minimize"
	"github.com/tally-dev/tally/transforms/pseudonymize"
	"github.com/tally-dev/tally/transforms/validate"
	"github.com/tally-dev/tally/warehouse"
	"github.com/tally-dev/tally/warehouse/lease"
)

// app is a wired pipeline: log, warehouse, stages, sources and runner.
type app struct {
	cfg      *config.File
	cat      *schemas.Catalog
	logger   *slog.Logger
	embedded *kafka.Embedded
	log      *kafka.Log
	wh       *warehouse.Warehouse
	runner   *pipeline.Runner
	stats    *pipeline.Stats
	metrics  *metrics            // Prometheus registry (metrics_sync.go)
	shredder *warehouse.Shredder // crypto-shredding of raw messages (keys_wiring.go)
	// releaseWriters releases the shared writer lock a pipeline holds so
	// that no rekey runs under it (nil when not held).
	releaseWriters func()
	leases         *lease.Manager // connector leases of run and reconcile (leases.go)
}

// appOptions adjust wiring for the demo and tests.
type appOptions struct {
	// transport is the base HTTP transport of every connector.
	transport http.RoundTripper
	// inMemoryKafka keeps the embedded broker's data in memory.
	inMemoryKafka bool
	// kafkaDir, when set, is the embedded broker's data directory in
	// place of data_dir/kafka (the demo's temporary one).
	kafkaDir string
	// warehouseWait is how long an unreachable warehouse is waited for
	// at start up: zero not at all, negative until ctx is done.
	warehouseWait time.Duration
}

// loadConfig reads and validates the configuration, for every command
// alike; problems come back as config.Problems (exit code 2).
func loadConfig(path string, reg *pipeline.Registry, cat *schemas.Catalog) (*config.File, error) {
	return config.LoadChecked(path, reg, cat, configChecks...)
}

// loadAdminConfig is loadConfig for the commands that build no source
// and so call no CRM (purge, subject, keys, report, tenant, roles,
// people, quarantine, reset, migrate, retention): an unset connector
// secret is not a problem for them (config.LoadCheckedNoSources).
func loadAdminConfig(path string, reg *pipeline.Registry, cat *schemas.Catalog) (*config.File, error) {
	return config.LoadCheckedNoSources(path, reg, cat, configChecks...)
}

// configChecks are the checks of the configuration whose rules live in
// this binary's libraries: cron schedules, warehouse role names and the
// PostgreSQL DSN.
var configChecks = []config.Check{checkSchedules, checkRoles, checkDSN}

// newApp wires a validated configuration. It starts the embedded broker
// when no brokers are configured, opens and migrates the warehouse, and
// builds every source (no CRM I/O yet).
func newApp(ctx context.Context, cfg *config.File, reg *pipeline.Registry, logger *slog.Logger, opts appOptions) (a *app, err error) {
	cat := schemas.Default()
	a = &app{cfg: cfg, cat: cat, logger: logger, stats: pipeline.NewStats()}
	a.metrics = newMetrics(a.stats)
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	for _, w := range cfg.SecretWarnings(reg) { // secrets from files (issue 11)
		logger.Warn(w, "component", "config")
	}
	kpis := cfg.EnabledKPIs(cat)
	stages, err := buildStages(cfg, cat, kpis)
	if err != nil {
		return a, err
	}
	if err := a.openLog(ctx, cfg, opts); err != nil {
		return a, err
	}
	if err := waitForWarehouse(ctx, logger, opts.warehouseWait, func() error { return a.openWarehouseOrClose(ctx, cfg, kpis) }); err != nil {
		return a, err
	}
	if a.releaseWriters, err = a.wh.HoldWriterLock(ctx); err != nil {
		return a, err
	}
	bindings, err := buildBindings(cfg, reg, cat, kpis, logger, opts.transport, a.metrics.requests)
	if err != nil {
		return a, err
	}
	if bindings, err = a.skipTerminated(ctx, bindings); err != nil {
		return a, err
	}
	a.runner = &pipeline.Runner{
		Log: a.log, Sink: a.wh, Stages: stages, Bindings: bindings,
		TopicPrefix: cfg.Kafka.TopicPrefix, Partitions: cfg.Kafka.Partitions,
		Retention: cfg.Kafka.Retention.D(), Interval: cfg.Sync.Interval.D(), OutageLimit: outageLimit(cfg.Sync),
		Logger: logger.With("component", "runner"), Stats: a.stats,
		CountPersonal: func(r *pipeline.Record) int { return guard.CountPersonal(cat, r) },
		Terminated:    a.wh.Terminated,
		// Failure handling (issue 9): records over the size limit are
		// quarantined; absent KPI properties are warned about.
		MaxMessageBytes: cfg.Kafka.MaxMessageBytes,
		FieldKPIs:       fieldKPIs(cat, kpis),
		AllowTenant:     cfg.TenantAllowed, // residency (issue 11)
		Ahead:           cfg.Sync.Ahead,    // back-pressure (issue 13)
	}
	a.runner.OnStreamPass = a.metrics.observePass
	a.metrics.state.attach(a.runner, a.wh, cfg.Kafka.TopicPrefix, logger)
	if err := a.wirePrivacy(ctx); err != nil {
		return a, err
	}
	a.wireSyncRuns() // sync history as evidence (issue 10)
	return a, nil
}

func (a *app) openLog(ctx context.Context, cfg *config.File, opts appOptions) error {
	brokers := cfg.Kafka.Brokers
	if len(brokers) == 0 {
		dir := opts.kafkaDir
		if dir == "" && !opts.inMemoryKafka {
			dir = filepath.Join(cfg.DataDir, "kafka")
		}
		emb, err := kafka.StartEmbedded(kafka.EmbeddedOptions{DataDir: dir, Port: cfg.Kafka.EmbeddedPort,
			Logger: a.logger})
		if err != nil {
			return fmt.Errorf("starting embedded kafka: %w", err)
		}
		a.embedded = emb
		brokers = emb.Addrs()
		if dir != "" && opts.kafkaDir == "" {
			warnEmbedded(a.logger, cfg.DataDir)
		}
	}
	kc, err := kafkaConfig(cfg, brokers)
	if err != nil {
		return err
	}
	l, err := kafka.Open(kc, a.logger)
	if err != nil {
		return err
	}
	a.log = l
	return preflightBrokers(ctx, l, cfg, a.logger)
}

func (a *app) openWarehouse(ctx context.Context, cfg *config.File, kpis []string) error {
	warnWarehouseTransit(a.logger, cfg)
	wc := warehouse.Config{Driver: cfg.Warehouse.Driver, DSN: cfg.Warehouse.DSN.Reveal(), Path: cfg.Warehouse.Path,
		FactTTL: cfg.Retention.Facts.D(), KPITTL: cfg.Retention.KPIs.D(), QuarantineTTL: cfg.Retention.Quarantine.D(), KPIs: kpis,
		EvidenceTTL: cfg.Retention.Evidence.D(), TenantTTLs: tenantTTLs(cfg), Roles: roles(cfg),
		MinGroupSize: cfg.Privacy.MinGroupSize}
	if wc.Driver == "sqlite" && wc.Path == "" {
		wc.Path = filepath.Join(cfg.DataDir, "tally.db")
		cfg.Warehouse.Path = wc.Path
	}
	if wc.Driver == "sqlite" {
		if err := os.MkdirAll(filepath.Dir(wc.Path), 0o750); err != nil {
			return fmt.Errorf("creating warehouse directory: %w", err)
		}
	}
	wh, err := warehouse.Open(ctx, wc, a.cat, a.logger.With("component", "sql"))
	if err != nil {
		return fmt.Errorf("opening warehouse: %w", err)
	}
	a.wh = wh
	applied, err := wh.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrating warehouse: %w", err)
	}
	if err := wh.EnsurePartitionsAhead(ctx); err != nil {
		return fmt.Errorf("creating warehouse partitions: %w", err)
	}
	if len(applied) > 0 {
		a.logger.Info("warehouse migrated", "component", "warehouse", "count", len(applied))
	}
	return nil
}

// Close releases everything newApp opened, in reverse order.
func (a *app) Close() error {
	var errs []error
	if a.leases != nil {
		a.leases.Close()
		a.leases = nil
	}
	if a.releaseWriters != nil {
		a.releaseWriters()
		a.releaseWriters = nil
	}
	if a.wh != nil {
		errs = append(errs, a.wh.Close())
	}
	if a.log != nil {
		errs = append(errs, a.log.Close())
	}
	if a.embedded != nil {
		errs = append(errs, a.embedded.Close())
	}
	return errors.Join(errs...)
}

// buildStages returns the transform chain: validate, minimize,
// pseudonymize, generalize, guard.
func buildStages(cfg *config.File, cat *schemas.Catalog, kpis []string) ([]pipeline.Stage, error) {
	proj, err := cat.Project(kpis, cat.Objects())
	if err != nil {
		return nil, err
	}
	master, err := masterKey(cfg.Pseudonyms)
	if err != nil {
		return nil, err
	}
	keys, err := pseudonymize.NewKeyring(master, cfg.Pseudonyms.KeyVersion)
	if err != nil {
		return nil, withCode(exitConfig, fmt.Errorf("pseudonym keys: %w", err))
	}
	mini, err := minimize.New(cat, proj)
	if err != nil {
		return nil, err
	}
	return []pipeline.Stage{validate.New(cat), mini, pseudonymize.New(keys, cat), generalize.New(cat), guard.New(cat)}, nil
}

// masterKey reads the master secret from its env var or file.
func masterKey(p config.Pseudonyms) ([]byte, error) {
	if p.MasterKey.Set() {
		return []byte(p.MasterKey.Reveal()), nil
	}
	data, err := os.ReadFile(p.MasterKeyFile)
	if err != nil {
		return nil, withCode(exitConfig, fmt.Errorf("reading pseudonyms.master_key_file: %w", err))
	}
	return []byte(strings.TrimSpace(string(data))), nil
}

// buildBindings builds every configured connector with the projection of
// the enabled KPIs.
func buildBindings(cfg *config.File, reg *pipeline.Registry, cat *schemas.Catalog, kpis []string,
	logger *slog.Logger, transport http.RoundTripper, requests func(tenant, name, kind string) pipeline.RequestObserver) ([]pipeline.Binding, error) {
	proj, err := projection(cfg, cat, kpis)
	if err != nil {
		return nil, err
	}
	projection := map[string][]string{}
	for _, o := range proj.Objects() {
		projection[o] = proj.Fields(o)
	}
	var out []pipeline.Binding
	for _, t := range cfg.Tenants {
		for _, c := range t.Connectors {
			ccfg, err := cfg.ConnectorConfig(reg, c)
			if err != nil {
				return nil, err
			}
			fac, _ := reg.Source(c.Kind)
			name := c.InstanceName()
			src, err := fac.New(ccfg, pipeline.SourceEnv{Tenant: t.ID, Name: name, Projection: projection,
				StateDir:  filepath.Join(cfg.DataDir, "state", t.ID, name),
				Logger:    logger.With("component", "connector", "tenant", t.ID, "connector", name),
				Transport: transport, Requests: observer(requests, t.ID, name, c.Kind)})
			if err != nil {
				return nil, fmt.Errorf("building connector %s of tenant %s: %w", name, t.ID, err)
			}
			out = append(out, pipeline.Binding{Tenant: t.ID, Name: name, Source: src})
		}
	}
	return out, nil
}

// openWarehouseApp loads the configuration and opens (and migrates) its
// warehouse only: no broker, no connectors, for admin commands.
func openWarehouseApp(ctx context.Context, g *globals) (*app, error) {
	return openForOps(ctx, g, nil)
}

// observer is the request observer of one connector, nil without metrics.
func observer(requests func(tenant, name, kind string) pipeline.RequestObserver, tenant, name, kind string) pipeline.RequestObserver {
	if requests == nil {
		return nil
	}
	return requests(tenant, name, kind)
}
