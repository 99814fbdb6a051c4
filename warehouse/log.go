package warehouse

import (
	"context"
	"log/slog"
	"sort"

	sqldblogger "github.com/simukti/sqldb-logger"
)

// sqlLogger adapts sqldb-logger to log/slog: driver failures at error
// level, everything else at debug level. It never logs statement
// arguments, even if the logger were misconfigured to pass them, and it
// reduces PostgreSQL error messages to their SQL state.
type sqlLogger struct {
	log *slog.Logger
}

// Log implements sqldblogger.Logger.
func (l sqlLogger) Log(ctx context.Context, level sqldblogger.Level, msg string, data map[string]any) {
	lvl := slog.LevelDebug
	if level == sqldblogger.LevelError {
		lvl = slog.LevelError
	}
	if !l.log.Enabled(ctx, lvl) {
		return
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		switch k {
		case "args", "time":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]slog.Attr, 0, len(keys))
	for _, k := range keys {
		v := data[k]
		if k == "error" {
			if s, ok := v.(string); ok {
				v = redactMessage(s)
			}
		}
		attrs = append(attrs, slog.Any(k, v))
	}
	l.log.LogAttrs(ctx, lvl, "sql "+msg, attrs...)
}

func loggerOptions() []sqldblogger.Option {
	return []sqldblogger.Option{
		sqldblogger.WithLogArguments(false),
		sqldblogger.WithMinimumLevel(sqldblogger.LevelDebug),
		sqldblogger.WithPreparerLevel(sqldblogger.LevelDebug),
		sqldblogger.WithQueryerLevel(sqldblogger.LevelDebug),
		sqldblogger.WithExecerLevel(sqldblogger.LevelDebug),
		sqldblogger.WithDurationUnit(sqldblogger.DurationMillisecond),
	}
}
