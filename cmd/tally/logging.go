package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

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
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q (want debug, info, warn or error)", level)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: redactErrorAttr}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q (want text or json)", format)
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
