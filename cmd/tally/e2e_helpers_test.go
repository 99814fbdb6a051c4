package main

import (
	"io"
	"log/slog"
	"strings"

	"github.com/tally-dev/tally/schemas"
)

func schemasDefault() *schemas.Catalog { return schemas.Default() }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// diffLines shows the lines only in want (-) and only in got (+).
func diffLines(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	n := 0
	for _, l := range strings.Split(want, "\n") {
		if !g[l] && n < 20 {
			b.WriteString("- " + l + "\n")
			n++
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] && n < 40 {
			b.WriteString("+ " + l + "\n")
			n++
		}
	}
	return b.String()
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
