package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/warehouse"
)

// exitLocked is `tally purge`'s exit code when another purge holds the
// lock, so that a scheduler can tell "skipped" from "failed".
const exitLocked = 3

// purgeOptions derives the purge settings from the configuration.
func purgeOptions(cfg *config.File, dryRun bool) warehouse.PurgeOptions {
	return warehouse.PurgeOptions{DryRun: dryRun, BatchSize: cfg.Purge.BatchSize,
		BatchTimeout: cfg.Purge.BatchTimeout.D(), TopicPrefix: cfg.Kafka.TopicPrefix}
}

func purgeCmd(g *globals) *cobra.Command {
	var dryRun, asJSON bool
	cmd := &cobra.Command{
		Use:   "purge",
		Short: "Delete every expired row and every row of tenants past their termination grace, once (exit 0 done, 1 failed, 3 locked)",
		Long: `purge runs one purge, for system cron, a systemd timer or a Kubernetes CronJob:
it drops expired partitions, deletes expired stragglers in bounded batches,
deletes the data of terminated tenants whose grace period is over, verifies
that no expired row is left and records the run (see 'tally purge history').

Exit codes: 0 done and verified, 1 failed, 2 invalid configuration,
3 another purge holds the lock (nothing was done).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				run, err := a.wh.Purge(ctx, purgeOptions(a.cfg, dryRun))
				if errors.Is(err, warehouse.ErrPurgeLocked) {
					return withCode(exitLocked, err)
				}
				if run != nil {
					if asJSON {
						if jerr := printJSON(g.stdout, run); jerr != nil {
							return jerr
						}
					} else {
						printRun(g.stdout, *run)
					}
				}
				if err != nil {
					return fmt.Errorf("purge: %w", err)
				}
				if run.Verified != nil && !*run.Verified {
					return errors.New("purge: verification found expired rows left")
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "count what would be removed; change and record nothing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the run summary as JSON")
	cmd.AddCommand(purgeHistoryCmd(g))
	return cmd
}

func purgeHistoryCmd(g *globals) *cobra.Command {
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Print the evidence of past purge runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				runs, err := a.wh.PurgeHistory(ctx, limit)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(g.stdout, runs)
				}
				if len(runs) == 0 {
					fmt.Fprintln(g.stdout, "no purge runs recorded")
				}
				for _, r := range runs {
					printRun(g.stdout, r)
				}
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "most runs to print")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the runs as JSON")
	return cmd
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printRun prints one purge run: a header line, then one line per table
// that had anything to do or holds expired rows, then each tenant.
func printRun(w io.Writer, r warehouse.PurgeRun) {
	verified := "not verified"
	if r.Verified != nil && *r.Verified {
		verified = "verified: no row expired before the cutoff remains"
	} else if r.Verified != nil {
		verified = "VERIFICATION FAILED: expired rows remain"
	}
	head := fmt.Sprintf("purge run %d", r.ID)
	if r.DryRun {
		head = "purge dry run (nothing changed)"
	}
	fmt.Fprintf(w, "%s: %s, started %s, cutoff %s, took %s, %s\n", head, r.Status, r.Started.Format(time.RFC3339),
		r.Cutoff.Format(time.RFC3339), r.Finished.Sub(r.Started).Round(time.Millisecond), verified)
	fmt.Fprintf(w, "  policy: facts %s, kpis %s, quarantine %s, evidence %s, %d tenant override(s)\n",
		fmtDays(r.Policy.Facts), fmtDays(r.Policy.KPIs), fmtDays(r.Policy.Quarantine), fmtDays(r.Policy.Evidence), len(r.Policy.Tenants))
	for _, t := range r.Tables {
		oldest := "-"
		if t.OldestRemaining != nil {
			oldest = t.OldestRemaining.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "  %-20s partitions dropped %3d  rows dropped %9d  rows deleted %9d  expired left %d  oldest expires_at %s",
			t.Table, t.PartitionsDropped, t.RowsDropped, t.RowsDeleted, t.Remaining, oldest)
		if t.Error != "" {
			fmt.Fprintf(w, "  error: %s", t.Error)
		}
		fmt.Fprintln(w)
	}
	for _, td := range r.Tenants {
		var n int64
		for _, c := range td.Rows {
			n += c
		}
		fmt.Fprintf(w, "  terminated tenant %s: %d rows deleted, verified %v\n", td.Tenant, n, td.Verified)
	}
	if r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Error)
	}
}

func fmtDays(d time.Duration) string { return config.Duration(d).String() }
