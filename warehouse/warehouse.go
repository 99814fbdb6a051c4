package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/transforms/kpi"
)

// dialect holds what differs between PostgreSQL and SQLite. Statements
// are written with ? placeholders and rebound by sqlx.
type dialect struct {
	name      string
	maxParams int
	forUpdate string // row locks taken when loading facts
	greatest  string // two-argument maximum function
	timeArg   func(time.Time) any
	// in returns a predicate "col matches one of vals" and its arguments.
	in             func(col string, vals []string) (string, []any)
	lockMigrations func(ctx context.Context, tx *sqlx.Tx) error
}

// Warehouse is the PostgreSQL or SQLite warehouse. It implements
// pipeline.Sink; all methods may be called concurrently.
type Warehouse struct {
	cfg      Config
	d        *dialect
	db       *sqlx.DB
	calc     *kpi.Calculator
	tables   map[string]*factTable
	log      *slog.Logger
	now      func() time.Time
	fenced   atomic.Int64 // checkpoints refused by fence
	cols     columnTypes
	analyzer analyzer
	policy   Policy
	parts    partitions
	// pastRetention notes tenants whose old-day KPI deltas were skipped.
	pastRetention pastRetention
	purging       sync.Mutex // one purge at a time in this process
	// purgeHook, set only by tests, runs after each committed purge step.
	purgeHook func(step string)
	// failAt, set only by tests, fails Write after the named step.
	failAt func(step string) error
	// grants maps a partitioned table to the roles that read it, once
	// ApplyRoles has run; new partitions get the same grants.
	grants atomic.Pointer[map[string][]string]
	// contactKPIs are the catalog's contact-derived KPIs and contactFacts
	// the fact tables of their objects (PublishedView).
	contactKPIs, contactFacts []string
}

var _ pipeline.Sink = (*Warehouse)(nil)

// Open validates cfg, connects to the database and pings it. It does not
// migrate (see Migrate). Every statement is logged to logger through
// sqldb-logger, without its arguments: successes at debug level, driver
// errors at error level.
func Open(ctx context.Context, cfg Config, cat *schemas.Catalog, logger *slog.Logger) (*Warehouse, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	calc, err := kpi.New(cat, cfg.KPIs)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Warehouse{
		cfg:    cfg.withDefaults(),
		policy: cfg.withDefaults().policy(),
		calc:   calc,
		tables: factTables(cat),
		log:    logger,
		now:    time.Now,

		contactKPIs:  ContactKPIs(cat),
		contactFacts: contactFactTables(cat),
	}
	switch cfg.Driver {
	case Postgres:
		w.d = postgresDialect
		w.db, err = openPostgres(ctx, cfg.DSN, logger)
	case SQLite:
		w.d = sqliteDialect
		w.db, err = openSQLite(ctx, cfg.Path, logger)
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

// DB returns the connection pool, for queries of tests and read helpers.
// Errors it returns are not redacted; prefer Exec for statements.
func (w *Warehouse) DB() *sqlx.DB { return w.db }

// Driver returns the configured driver, "postgres" or "sqlite".
func (w *Warehouse) Driver() string { return w.d.name }

// Close closes the pool.
func (w *Warehouse) Close() error { return w.db.Close() }

// Exec runs one statement written with ? placeholders and returns the
// number of affected rows. Driver errors are redacted (*DBError).
func (w *Warehouse) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := w.db.ExecContext(ctx, w.db.Rebind(query), args...)
	if err != nil {
		return 0, redact(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, redact(err)
	}
	return n, nil
}

// Offsets returns the stored next offset of every partition of topics
// that has one.
func (w *Warehouse) Offsets(ctx context.Context, topics []string) (map[pipeline.TopicPartition]int64, error) {
	out := map[pipeline.TopicPartition]int64{}
	if len(topics) == 0 {
		return out, nil
	}
	pred, args := w.d.in("topic", topics)
	rows, err := w.db.QueryContext(ctx, w.db.Rebind("SELECT topic, partition, next_offset FROM consumer_offsets WHERE "+pred), args...)
	if err != nil {
		return nil, fmt.Errorf("reading consumer offsets: %w", redact(err))
	}
	defer rows.Close()
	for rows.Next() {
		var tp pipeline.TopicPartition
		var next int64
		if err := rows.Scan(&tp.Topic, &tp.Partition, &next); err != nil {
			return nil, fmt.Errorf("reading consumer offsets: %w", redact(err))
		}
		out[tp] = next
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading consumer offsets: %w", redact(err))
	}
	return out, nil
}

// Cursor returns the resume cursor of a stream: the cursor of the
// lowest-Seq checkpoint stored for partitions 0..partitions-1 (the lowest
// partition wins a tie), or "" unless every one of them has a checkpoint.
func (w *Warehouse) Cursor(ctx context.Context, s pipeline.Stream, partitions int) (string, error) {
	if partitions <= 0 {
		return "", nil
	}
	rows, err := w.db.QueryContext(ctx, w.db.Rebind(
		`SELECT partition, seq, cursor FROM sync_cursors
		 WHERE tenant = ? AND source = ? AND object = ? AND partition >= 0 AND partition < ?
		 ORDER BY seq, partition`), s.Tenant, s.Source, s.Object, partitions)
	if err != nil {
		return "", fmt.Errorf("reading cursor of %s/%s/%s: %w", s.Tenant, s.Source, s.Object, redact(err))
	}
	defer rows.Close()
	var first string
	n := 0
	for rows.Next() {
		var p int
		var seq int64
		var cursor string
		if err := rows.Scan(&p, &seq, &cursor); err != nil {
			return "", fmt.Errorf("reading cursor: %w", redact(err))
		}
		if n == 0 {
			first = cursor
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("reading cursor: %w", redact(err))
	}
	if n < partitions {
		return "", nil
	}
	return first, nil
}

// Tables returns the names of the tables a migrated warehouse holds for
// cat, sorted: one fact table per object and the fixed tables.
func Tables(cat *schemas.Catalog) []string {
	out := []string{"consumer_offsets", "kpi_daily", "purge_runs", "quarantine", "schema_migrations", "sync_cursors", "tenant_terminations"}
	for _, o := range cat.Objects() {
		out = append(out, FactTable(o))
	}
	sort.Strings(out)
	return out
}

// placeholders returns "?, ?, ..." with n placeholders.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

var errUnknownObject = errors.New("no fact table for object")
