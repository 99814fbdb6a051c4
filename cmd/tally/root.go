package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/warehouse"
)

// exitError carries an exit code out of a cobra command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// globals are the flags every subcommand shares.
type globals struct {
	configPath string
	logLevel   string
	logFormat  string
	stdout     io.Writer
	stderr     io.Writer
}

// run executes the command line and returns the exit code; only main
// calls os.Exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "tally",
		Short:         "CRM to KPI pipeline that keeps only the numbers",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", "tally.yaml", "path to the configuration file")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "", "debug, info, warn or error (overrides log.level)")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "", "text or json (overrides log.format)")
	root.PersistentPreRunE = checkNamedTenants(g) // an unknown --tenant is exit 2 in every command
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(demoCmd(g), runCmd(g), validateCmd(g), checkCmd(g), migrateCmd(g))
	root.AddCommand(subjectCmd(g), peopleCmd(g), keysCmd(g), reportCmd(g)) // subject rights (issue 5)
	root.AddCommand(purgeCmd(g), tenantCmd(g), retentionCmd(g))            // retention and purge (issue 3)
	root.AddCommand(reconcileCmd(g))                                       // hard deletes (issue 4)
	root.AddCommand(docsCmd(g))                                            // configuration reference
	root.AddCommand(rolesCmd(g))                                           // warehouse roles (issue 5)
	root.AddCommand(quarantineCmd(g), resetCmd(g))                         // failure visibility and recovery (issue 9)
	root.AddCommand(versionCmd(g))                                         // build information (issue 10)
	root.AddCommand(probeCmd(g))                                           // container health check (issue 10)
	root.AddCommand(statusCmd(g))                                          // the operator's view (issue 10)
	root.AddCommand(leasesCmd(g))                                          // scale out (issue 13)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ps config.Problems
	if errors.As(err, &ps) {
		fmt.Fprintf(stderr, "%s: %d problem(s):\n", g.configPath, len(ps))
		for _, p := range ps {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		return exitConfig
	}
	fmt.Fprintf(stderr, "tally: %s\n", warehouse.RedactURLs(err.Error()))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if isUsage(err) {
		return exitConfig
	}
	return exitFailed
}

// isUsage reports cobra's flag and argument errors.
func isUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown command", "unknown shorthand", "invalid argument", "accepts ", "requires ", "flag needs"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
