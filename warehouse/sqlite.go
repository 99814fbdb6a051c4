package warehouse

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"
	sqldblogger "github.com/simukti/sqldb-logger"
	"modernc.org/sqlite"
)

// sqliteTimeLayout stores instants as fixed-width UTC text, so that text
// comparison orders them (max(), expires_at < now) and the driver reads
// them back as time.Time.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000-07:00"

var sqliteDialect = &dialect{
	name: SQLite,
	// SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32.
	maxParams: 32766,
	greatest:  "max",
	timeArg:   func(t time.Time) any { return t.UTC().Format(sqliteTimeLayout) },
	in: func(col string, vals []string) (string, []any) {
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = v
		}
		return col + " IN (" + placeholders(len(vals)) + ")", args
	},
	// BEGIN IMMEDIATE (see _txlock) already excludes other writers.
	lockMigrations: func(context.Context, *sqlx.Tx) error { return nil },
}

// openSQLite opens the file with WAL, a busy timeout and BEGIN IMMEDIATE
// transactions, through one connection: SQLite has one writer at a time,
// and one connection makes concurrent Writes queue in the pool instead of
// failing with SQLITE_BUSY.
func openSQLite(ctx context.Context, path string, logger *slog.Logger) (*sqlx.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	drv := &sqlite.Driver{}
	if err := registerDecimalFuncs(drv); err != nil {
		return nil, err
	}
	raw := sqldblogger.OpenDriver(path+"?"+q.Encode(), drv, sqlLogger{logger}, loggerOptions()...)
	raw.SetMaxOpenConns(1)
	raw.SetMaxIdleConns(1)
	raw.SetConnMaxIdleTime(0)
	db := sqlx.NewDb(raw, SQLite)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening sqlite %s: %w", path, redact(err))
	}
	return db, nil
}
