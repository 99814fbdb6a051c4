package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// component is the value of the "component" attribute of every log line
// of this package.
const component = "kafka"

// orDiscard returns l, or a logger that drops everything when l is
// nil.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// clientErrorLogger forwards kafka-go's error log (connection failures,
// retries) at warn level. kafka-go formats topics, partitions, offsets
// and errors into these lines, never message keys or values. An i/o
// timeout of a reader long-polling an idle partition is retried by
// kafka-go at once and logged at debug level only.
func clientErrorLogger(l *slog.Logger) kafkago.Logger {
	return kafkago.LoggerFunc(func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		lvl := slog.LevelWarn
		if strings.HasSuffix(msg, "i/o timeout") {
			lvl = slog.LevelDebug
		}
		if !l.Enabled(context.Background(), lvl) {
			return
		}
		l.Log(context.Background(), lvl, "kafka client", "component", component, "error", msg)
	})
}

// kfakeLogger forwards the embedded broker's warnings and errors; its
// info and debug lines describe every request and are too chatty.
type kfakeLogger struct{ l *slog.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	var lvl slog.Level
	switch level {
	case kfake.LogLevelError:
		lvl = slog.LevelError
	case kfake.LogLevelWarn:
		lvl = slog.LevelWarn
	default:
		return
	}
	if !k.l.Enabled(context.Background(), lvl) {
		return
	}
	k.l.Log(context.Background(), lvl, "embedded broker", "component", component+".embedded",
		"error", fmt.Sprintf(format, args...))
}
