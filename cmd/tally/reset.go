package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse/cursors"
)

const resetLong = `reset clears the stored cursors (checkpoints) of a connector's streams,
so that the next sync pass pulls them again from their start: use it after
fixing a connector's configuration (a wrong time_format, a mapping) that
sent records to quarantine while the cursor moved past them.

Re-pulling is safe: facts are versioned upserts keyed by record pseudonym,
so a record read again replaces its fact only if it is newer, and the KPI
rollups follow the facts in the same transaction; nothing is counted twice.

Without --confirm it is a dry run: it shows which streams would be cleared,
how many partitions hold a checkpoint and when they were committed, never
a cursor's content. With --confirm it clears them in one transaction and
records the reset as evidence (reset_runs, kept for retention.evidence;
see 'tally reset history').

Order: stop tally run, reset, start tally run. A confirmed reset refuses
(exit 1) while a tally run holds the warehouse's writer lock, and for a
terminated tenant. Exit codes: 0 done (or nothing to clear), 1 failed or
refused, 2 bad flags, unknown tenant or connector, invalid configuration.`

func resetCmd(g *globals) *cobra.Command {
	var f cursors.Filter
	var confirm, asJSON bool
	var by string
	cmd := &cobra.Command{
		Use:   "reset --tenant T --connector C [--object O] [--confirm]",
		Short: "Clear a connector's stored cursors so the next pass re-pulls everything (dry run unless --confirm)",
		Long:  resetLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.Tenant == "" || f.Source == "" {
				return withCode(exitConfig, errors.New("reset: --tenant and --connector are required"))
			}
			a, err := openForOps(cmd.Context(), g, func(cfg *config.File) error {
				if err := knownTenant(cfg, f.Tenant); err != nil {
					return err
				}
				if err := checkConnector(cfg, f.Tenant, f.Source); err != nil {
					return err
				}
				if _, ok := schemas.Default().Object(f.Object); f.Object != "" && !ok {
					return withCode(exitConfig, fmt.Errorf("unknown object %q (known: %v)", f.Object, schemas.Default().Objects()))
				}
				return nil
			})
			if err != nil {
				return err
			}
			defer a.Close()
			doc := resetDoc{Version: opsVersion, DryRun: !confirm, Tenant: f.Tenant, Connector: f.Source, Object: f.Object}
			if !confirm {
				plan, err := cursors.Inspect(cmd.Context(), a.wh, f)
				if err != nil {
					return err
				}
				doc.Streams, doc.Checkpoints = plan.Streams, plan.Checkpoints
			} else {
				if by == "" {
					by = currentUser()
				}
				run, err := cursors.Reset(cmd.Context(), a.wh, f, cursors.Options{By: by})
				if errors.Is(err, cursors.ErrWritersRunning) || errors.Is(err, cursors.ErrTerminated) {
					return withCode(exitFailed, err)
				}
				if err != nil {
					return err
				}
				doc.Streams, doc.Checkpoints = run.Streams, run.Checkpoints
				if run.ID != 0 {
					doc.Run = &run
				}
			}
			if asJSON {
				return printJSON(g.stdout, doc)
			}
			printReset(g.stdout, doc, time.Now())
			return nil
		},
	}
	cmd.Flags().StringVar(&f.Tenant, "tenant", "", "tenant id (required)")
	cmd.Flags().StringVar(&f.Source, "connector", "", "connector name, or its kind when it has no name (required)")
	cmd.Flags().StringVar(&f.Object, "object", "", "only this object's stream (deal, lead, ...); default every stream of the connector")
	cmd.Flags().BoolVar(&confirm, "confirm", false, "clear the cursors and record the reset; without it nothing changes")
	cmd.Flags().StringVar(&by, "by", "", "who asks for the reset, for the evidence (default the OS user name)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON document (with a version field)")
	cmd.AddCommand(resetHistoryCmd(g))
	return cmd
}

func resetHistoryCmd(g *globals) *cobra.Command {
	var tenant string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Print the evidence of confirmed resets, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 1 {
				return withCode(exitConfig, errors.New("--limit must be at least 1"))
			}
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				runs, err := cursors.History(ctx, a.wh, tenant, limit)
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(g.stdout, struct {
						Version int           `json:"version"`
						Runs    []cursors.Run `json:"runs"`
					}{opsVersion, runs})
				}
				if len(runs) == 0 {
					fmt.Fprintln(g.stdout, "no resets recorded")
				}
				for _, r := range runs {
					what := r.Tenant + "/" + r.Source
					if r.Object != "" {
						what += "/" + r.Object
					}
					objects := make([]string, len(r.Streams))
					for i, s := range r.Streams {
						objects[i] = s.Object
					}
					fmt.Fprintf(g.stdout, "reset %d: %s at %s by %s: %d checkpoint(s) of %s cleared; evidence kept until %s\n", r.ID, what,
						r.At.Format(time.RFC3339), r.By, r.Checkpoints, strings.Join(objects, ", "), r.Expires.Format(time.RFC3339))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "only this tenant's resets")
	cmd.Flags().IntVar(&limit, "limit", 20, "most resets to print")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON document (with a version field)")
	return cmd
}

// resetDoc is `tally reset --json`'s document.
type resetDoc struct {
	Version     int              `json:"version"`
	DryRun      bool             `json:"dry_run"`
	Tenant      string           `json:"tenant"`
	Connector   string           `json:"connector"`
	Object      string           `json:"object,omitempty"`
	Streams     []cursors.Stream `json:"streams"`
	Checkpoints int              `json:"checkpoints"`
	// Run is the recorded evidence of a confirmed reset that cleared
	// anything.
	Run *cursors.Run `json:"run,omitempty"`
}

func currentUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

func printReset(w io.Writer, d resetDoc, now time.Time) {
	what := d.Tenant + "/" + d.Connector
	if d.Object != "" {
		what += "/" + d.Object
	}
	if d.Checkpoints == 0 {
		fmt.Fprintf(w, "no stored cursor for %s: its next pass already starts from the beginning; nothing to reset\n", what)
		return
	}
	if d.DryRun {
		fmt.Fprintf(w, "dry run, nothing changed: --confirm would clear these stored cursors of %s:\n", what)
	} else {
		fmt.Fprintf(w, "reset %d: cleared these stored cursors of %s:\n", d.Run.ID, what)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  OBJECT\tPARTITIONS\tALREADY CLEARED\tOLDEST COMMITTED\tNEWEST COMMITTED")
	for _, s := range d.Streams {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%s (%s ago)\t%s (%s ago)\n", s.Object, s.Partitions, s.Cleared,
			s.Oldest.Format(time.RFC3339), age(now, s.Oldest), s.Newest.Format(time.RFC3339), age(now, s.Newest))
	}
	tw.Flush()
	if d.DryRun {
		fmt.Fprintf(w, "%d checkpoint(s) in %d stream(s); after a reset the next pass re-pulls them from the start (facts are versioned upserts: nothing is counted twice)\n",
			d.Checkpoints, len(d.Streams))
		return
	}
	fmt.Fprintf(w, "%d checkpoint(s) in %d stream(s) cleared; recorded as evidence by %s, kept until %s\n",
		d.Checkpoints, len(d.Streams), d.Run.By, d.Run.Expires.Format(time.RFC3339))
	fmt.Fprintln(w, "the next tally run pass re-pulls these streams from the start")
}

func age(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	if d >= 48*time.Hour {
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	return d.Round(time.Second).String()
}
