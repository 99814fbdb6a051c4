package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
	"golang.org/x/term"
)

// demoYAML is the configuration the demo runs on: the same file format
// and code path as `tally run`, pointed at a simulated HubSpot.
const demoYAML = `data_dir: %q
tenants:
  - id: demo
    connectors:
      - kind: %s
        options:
%s
kafka:
  partitions: %d
  # Fuller batches: the simulated CRM pages 100 records at a time, so a
  # partition's batch would otherwise end after about 150 (issue 12).
  batch_wait: 250ms
sync:
  # The demo has one process and a fast simulated CRM: let the
  # connector run further ahead of the warehouse (issue 12).
  ahead: 128
warehouse:
%s
pseudonyms:
  master_key_file: %q
log:
  level: warn
`

func demoCmd(g *globals) *cobra.Command {
	var deals, partitions int
	var dir, dsn, source string
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on a simulated HubSpot, embedded Kafka and a SQLite warehouse",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if deals < 1 {
				return withCode(exitConfig, fmt.Errorf("--deals must be at least 1"))
			}
			o.deals, o.partitions, o.dir, o.dsn, o.source = deals, partitions, dir, dsn, source
			demoMemoryLimit(os.Getenv)
			return runDemo(cmd.Context(), g, o)
		},
	}
	cmd.Flags().IntVar(&deals, "deals", 10000, "number of simulated deals (contacts: half as many)")
	cmd.Flags().StringVar(&source, "source", "hubspot", "simulated CRM: "+strings.Join(simulatorNames(), ", "))
	cmd.Flags().IntVar(&partitions, "partitions", 4, "partitions of each raw topic (parallel warehouse writers per object; kafka.partitions' default)")
	cmd.Flags().StringVar(&dir, "dir", "tally-demo", "directory for the demo's warehouse file and key")
	cmd.Flags().StringVar(&o.adminListen, "admin-listen", "", "address of the status page and admin API (default "+config.DefaultAdminListen+"; off: none)")
	cmd.Flags().BoolVar(&o.serve, "serve", false, "keep serving the status page after the pass, until interrupted")
	cmd.Flags().StringVar(&dsn, "warehouse-dsn", "", "load into this PostgreSQL database (schema "+demoSchema+", recreated) instead of SQLite")
	return cmd
}

// demoOptions are the demo's flags.
type demoOptions struct {
	deals, partitions int
	dir, dsn, source  string
	adminListen       string // admin.listen of the demo
	serve             bool   // keep serving the status page after the pass
}

func runDemo(ctx context.Context, g *globals, o demoOptions) error {
	deals, dsn := o.deals, o.dsn
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	if err := resetDemoDir(dir); err != nil {
		return err
	}
	keyFile, err := demoKey(dir)
	if err != nil {
		return err
	}
	start, ok := simulators[o.source]
	if !ok {
		return withCode(exitConfig, fmt.Errorf("--source %q: want one of %v", o.source, simulatorNames()))
	}
	sim, err := start(deals)
	if err != nil {
		return fmt.Errorf("starting the simulated %s: %w", o.source, err)
	}
	defer sim.close()

	wh := "  driver: sqlite"
	if dsn != "" {
		if err := resetDemoSchema(ctx, dsn); err != nil {
			return err
		}
		os.Setenv("TALLY_DEMO_PG_DSN", withSearchPath(dsn, demoSchema))
		wh = "  driver: postgres\n  dsn: ${TALLY_DEMO_PG_DSN}"
	}
	reg := newRegistry()
	cat := schemas.Default()
	cfg, err := config.Parse(fmt.Appendf(nil, demoYAML, dir, sim.kind, indent(sim.options, 10), o.partitions, wh, keyFile))
	if err != nil {
		return err
	}
	if ps := cfg.Validate(reg, cat, configChecks...); len(ps) > 0 {
		return ps
	}
	logger, err := newLogger(g.stderr, cfg.Log, g)
	if err != nil {
		return withCode(exitConfig, err)
	}
	// The broker keeps its segments in a temporary directory, not in
	// memory: the raw messages of a large demo would otherwise all stay
	// live in the heap (about 400 B each) until the process exits.
	kafkaDir, err := os.MkdirTemp("", "tally-demo-kafka-")
	if err != nil {
		return fmt.Errorf("creating the demo's broker directory: %w", err)
	}
	defer os.RemoveAll(kafkaDir)
	a, err := newApp(ctx, cfg, reg, logger, appOptions{kafkaDir: kafkaDir})
	if err != nil {
		return err
	}
	defer a.Close()

	adm, err := startDemoAdmin(g, a, o)
	if err != nil {
		return err
	}
	defer adm.Close()
	stop := showProgress(g, a.stats, sim.records)
	began := time.Now()
	err = a.runner.RunOnce(ctx)
	stop()
	if err != nil {
		return err
	}
	if err := printDemoSummary(ctx, g, a, sim, time.Since(began)); err != nil {
		return err
	}
	return serveDemo(ctx, g, adm, o)
}

// demoSchema is the PostgreSQL schema the demo loads into.
const demoSchema = "tally_demo"

// resetDemoSchema drops and recreates the demo's schema, so every demo
// run starts from an empty warehouse and never touches other schemas.
func resetDemoSchema(ctx context.Context, dsn string) error {
	wh, err := warehouse.Open(ctx, warehouse.Config{Driver: warehouse.Postgres, DSN: dsn}, schemas.Default(), slog.New(slog.DiscardHandler))
	if err != nil {
		return fmt.Errorf("opening demo database: %w", err)
	}
	defer wh.Close()
	for _, q := range []string{"DROP SCHEMA IF EXISTS " + demoSchema + " CASCADE", "CREATE SCHEMA " + demoSchema} {
		if _, err := wh.Exec(ctx, q); err != nil {
			return fmt.Errorf("resetting schema %s: %w", demoSchema, err)
		}
	}
	return nil
}

// withSearchPath adds search_path to a URL or key=value PostgreSQL DSN.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if strings.Contains(dsn, "?") {
			return dsn + "&search_path=" + schema
		}
		return dsn + "?search_path=" + schema
	}
	return dsn + " search_path=" + schema
}

// resetDemoDir removes the previous demo's warehouse so every run starts
// from an empty warehouse; the key file is kept.
func resetDemoDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("creating demo directory: %w", err)
	}
	for _, f := range []string{"tally.db", "tally.db-wal", "tally.db-shm"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("removing old demo warehouse: %w", err)
		}
	}
	return nil
}

// demoKey returns the demo's master key file, creating a random key.
func demoKey(dir string) (string, error) {
	path := filepath.Join(dir, "master.key")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.WriteFile(path, []byte(randomHex(32)+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing demo master key: %w", err)
	}
	return path, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// showProgress draws a progress bar of records loaded (written,
// deleted, quarantined or dropped) until stop is called. When stderr is
// not a terminal it prints a plain line every two seconds instead.
func showProgress(g *globals, stats *pipeline.Stats, total int64) (stop func()) {
	loaded := func() int64 {
		var n int64
		for _, s := range stats.Snapshot() {
			n += s.Upserted + s.Deleted + s.Quarantined + s.Dropped
		}
		return min(n, total)
	}
	f, isFile := g.stderr.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	var bar *progressbar.ProgressBar
	every := 2 * time.Second
	if tty {
		every = 100 * time.Millisecond
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(g.stderr),
			progressbar.OptionSetDescription("pull → kafka → minimize → warehouse"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("records"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if bar != nil {
					bar.Finish()
				}
				return
			case <-t.C:
			}
			if bar != nil {
				bar.Set64(loaded())
			} else {
				fmt.Fprintf(g.stderr, "loaded %d of %d records\n", loaded(), total)
			}
		}
	}()
	return func() { close(done); <-finished }
}
