package main

import (
	"io"
	"log/slog"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/warehouse"
)

// newLogger builds tally's logger from config, overridden by flags.
// Every component gets a child with its own "component" attribute.
func newLogger(w io.Writer, c config.Log, g *globals) (*slog.Logger, error) {
	level, format := c.Level, c.Format
	if g.logLevel != "" {
		level = g.logLevel
	}
	if g.logFormat != "" {
		format = g.logFormat
	}
	// The same rules as config.Validate's, which has checked the file;
	// here they catch a bad --log-level or --log-format.
	if err := (config.Log{Level: level, Format: format}).Validate(); err != nil {
		return nil, err
	}
	lv, _ := config.ParseLogLevel(level)
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: redactErrorAttr}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// redactErrorAttr is a last line of defence for errors of libraries that
// quote URLs: user information and password= values are removed from
// every logged error.
func redactErrorAttr(_ []string, a slog.Attr) slog.Attr {
	if err, ok := a.Value.Any().(error); ok && a.Value.Kind() == slog.KindAny {
		return slog.String(a.Key, warehouse.RedactURLs(err.Error()))
	}
	return a
}
