package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchcsv:", err)
		os.Exit(1)
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// result is one measured load.
type result struct {
	name      string
	rows      int64
	wall      time.Duration
	clientCPU time.Duration
	// pgCPU is the time of the backends serving the bench database;
	// allPGCPU that of every postgres process (other databases' clients
	// and the server's background writers included).
	pgCPU, allPGCPU time.Duration
	peakRSS         int64
	// backends is how the load's backends spent their samples
	// (backendSampler.shares).
	backends string
}

func (r result) perSec() float64 { return float64(r.rows) / r.wall.Seconds() }

// perM scales a CPU time to seconds per 1M records.
func (r result) perM(d time.Duration) float64 { return d.Seconds() * 1e6 / float64(r.rows) }

func run() error {
	tally := flag.String("tally", "bin/tally", "the tally binary to measure")
	dir := flag.String("dir", "", "work directory (default: a new temporary one)")
	db := flag.String("db", "tally_bench_csv", "database to (re)create for the run")
	flag.Parse()
	rows := envInt("BENCH_ROWS", 1_000_000)
	partitions := envInt("BENCH_PARTITIONS", 0)
	batch := envInt("BENCH_BATCH_RECORDS", 0)
	base := os.Getenv("TALLY_PG_DSN")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	bin, err := filepath.Abs(*tally)
	if err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "tally-bench-csv-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	csvPath := filepath.Join(*dir, "deals.csv")
	size, err := writeCSV(csvPath, rows)
	if err != nil {
		return fmt.Errorf("generating the csv: %w", err)
	}
	fmt.Printf("generated %d deals, %d bytes (%.0f B/row): %s\n", rows, size, float64(size)/float64(rows), csvPath)

	dsn, err := freshDatabase(base, *db)
	if err != nil {
		return err
	}
	cfg, err := writeConfig(*dir, csvPath, partitions, batch)
	if err != nil {
		return err
	}
	t, err := measureTally(bin, cfg, dsn, *db)
	if err != nil {
		return err
	}
	minPath := filepath.Join(*dir, "minimized.csv")
	if err := writeMinimized(minPath, rows); err != nil {
		return fmt.Errorf("writing the minimized csv: %w", err)
	}
	c, err := measureCopy(dsn, *db, minPath, rows)
	if err != nil {
		return err
	}
	report(rows, partitions, t, c)
	return nil
}

// freshDatabase drops and creates db on the server of base and returns
// the DSN of the new database.
func freshDatabase(base, db string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parsing TALLY_PG_DSN: %w", err)
	}
	admin := *u
	admin.Path = "/postgres"
	for _, q := range []string{"DROP DATABASE IF EXISTS " + db + " WITH (FORCE)", "CREATE DATABASE " + db} {
		if out, err := exec.Command("psql", admin.String(), "-v", "ON_ERROR_STOP=1", "-qc", q).CombinedOutput(); err != nil {
			return "", fmt.Errorf("psql %q: %w: %s", q, err, out)
		}
	}
	u.Path = "/" + db
	return u.String(), nil
}

func writeConfig(dir, csvPath string, partitions, batch int) (string, error) {
	key := filepath.Join(dir, "master.key")
	if err := os.WriteFile(key, []byte("bench-master-key-bench-master-key-0123456789\n"), 0o600); err != nil {
		return "", err
	}
	var cols strings.Builder
	for h, f := range columns {
		fmt.Fprintf(&cols, "\n            %q: %s", h, f)
	}
	kafka := ""
	if partitions > 0 {
		kafka += fmt.Sprintf("  partitions: %d\n", partitions)
	}
	if batch > 0 {
		kafka += fmt.Sprintf("  batch_records: %d\n", batch)
	}
	if kafka != "" {
		kafka = "kafka:\n" + kafka
	}
	y := fmt.Sprintf(`data_dir: %s
tenants:
  - id: bench
    connectors:
      - kind: csv
        options:
          path: %s
          object: deal
          id_column: Record ID
          time_format: date
          columns:%s
pseudonyms:
  master_key_file: %s
kpis: [deals_won, revenue_won, pipeline_created]
%swarehouse:
  driver: postgres
  dsn: ${TALLY_BENCH_DSN}
metrics:
  listen: ""
log:
  level: warn
%s`, filepath.Join(dir, "data"), csvPath, cols.String(), key, kafka, os.Getenv("BENCH_YAML"))
	path := filepath.Join(dir, "tally.yaml")
	return path, os.WriteFile(path, []byte(y), 0o600)
}

// measureTally runs `tally run --once` and measures it.
func measureTally(bin, cfg, dsn, db string) (result, error) {
	cmd := exec.Command(bin, "run", "--once", "--config", cfg)
	cmd.Env = append(os.Environ(), "TALLY_BENCH_DSN="+dsn)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	pg0, backends := postgresCPU(), startSampler(db)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, err
	}
	var hwm atomic.Int64
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				hwm.Store(max(hwm.Load(), vmHWM(cmd.Process.Pid)))
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	pgCPU, allPG := backends.total(), postgresCPU()-pg0
	if err != nil {
		return result{}, fmt.Errorf("tally run --once: %w", err)
	}
	states := backends.shares()
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	n, err := countRows(dsn, "deal_facts")
	if err != nil {
		return result{}, err
	}
	return result{
		name: "tally run --once (csv → Kafka → stages → PostgreSQL)", rows: n, wall: wall,
		clientCPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		pgCPU:     pgCPU, allPGCPU: allPG,
		// ru_maxrss (KiB) is the same high-water mark as VmHWM, and is
		// still there after the process exits.
		peakRSS:  max(hwm.Load(), ru.Maxrss<<10),
		backends: states,
	}, nil
}

func countRows(dsn, table string) (int64, error) {
	out, err := exec.Command("psql", dsn, "-tAc", "SELECT count(*) FROM "+table).Output()
	if err != nil {
		return 0, fmt.Errorf("counting %s: %w", table, err)
	}
	return strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
}

// measureCopy loads the minimized rows with psql \copy into a plain
// table shaped like deal_facts (same columns and primary key).
func measureCopy(dsn, db, path string, rows int) (result, error) {
	ctx := context.Background()
	setup := "DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (LIKE deal_facts INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)"
	if out, err := exec.CommandContext(ctx, "psql", dsn, "-v", "ON_ERROR_STOP=1", "-qc", setup).CombinedOutput(); err != nil {
		return result{}, fmt.Errorf("creating bench_copy: %w: %s", err, out)
	}
	cmd := exec.CommandContext(ctx, "psql", dsn, "-v", "ON_ERROR_STOP=1", "-qc",
		`\copy bench_copy (`+minimizedColumns+`) FROM '`+path+`' WITH (FORMAT csv)`)
	pg0, backends := postgresCPU(), startSampler(db)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	pgCPU, allPG := backends.total(), postgresCPU()-pg0
	if err != nil {
		return result{}, fmt.Errorf("psql \\copy: %w: %s", err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return result{
		name: `psql \copy of the minimized rows`, rows: int64(rows), wall: wall,
		clientCPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
		pgCPU:     pgCPU, allPGCPU: allPG, peakRSS: ru.Maxrss << 10,
	}, nil
}

func report(rows, partitions int, t, c result) {
	p := "config default"
	if partitions > 0 {
		p = strconv.Itoa(partitions)
	}
	fmt.Printf("\nBENCH_ROWS=%d, kafka.partitions: %s\n", rows, p)
	fmt.Printf("%-55s %10s %12s %10s %16s %14s %18s %10s\n", "load", "records", "records/s", "wall s", "client CPU-s/1M", "PG CPU-s/1M", "all postgres CPU/1M", "peak RSS")
	for _, r := range []result{t, c} {
		fmt.Printf("%-55s %10d %12.0f %10.2f %16.1f %14.1f %18.1f %7.0f MiB\n", r.name, r.rows, r.perSec(), r.wall.Seconds(),
			r.perM(r.clientCPU), r.perM(r.pgCPU), r.perM(r.allPGCPU), float64(r.peakRSS)/(1<<20))
	}
	fmt.Printf("ratio tally / psql \\copy: %.3f\n", t.perSec()/c.perSec())
	if t.backends != "" {
		fmt.Printf("tally's PostgreSQL backends, sampled every 100 ms: %s\n", t.backends)
	}
}
