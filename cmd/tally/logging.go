package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

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
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q (want debug, info, warn or error)", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q (want text or json)", format)
}
