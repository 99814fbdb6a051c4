package main

import (
	"io"
	"log/slog"

	"github.com/tally-dev/tally/pipeline/config"
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
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
