// Command tally pulls CRM records one-way into Kafka, keeps only what
// the configured KPIs need (pseudonymized), and writes minimized facts
// and KPI rollups to a warehouse where every row expires.
//
// Subcommands: demo, run, validate, migrate. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitConfig = 2 // invalid configuration or usage
)

func main() {
	stopProfile := tuneRuntime(os.Getenv, os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	stopProfile()
	os.Exit(code)
}
