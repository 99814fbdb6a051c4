package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline"
)

func reconcileCmd(g *globals) *cobra.Command {
	var connector, tenant string
	var dryRun, asJSON bool
	cmd := &cobra.Command{
		Use:   "reconcile --connector NAME",
		Short: "Delete the facts of records deleted for good at the source (hard deletes), once",
		Long: `reconcile finds hard deletes: records a CRM purged without a trace that a
sync pass can see (Salesforce's emptied recycle bin, Bulk API hard deletes).
It first lets the warehouse commit whatever the connector's topics still hold,
reads the keys of the connector's stored facts, lists every id the CRM still
has, and deletes (in transactions of at most 1000, adjusting the KPI rollups)
each fact no listed id maps to. Only counts are printed and logged.

Run it while no 'tally run' syncs the same connector, or give the connector a
'reconcile:' schedule so that 'tally run' runs it between its sync passes.

Exit codes: 0 done, 1 failed (nothing is deleted for an object whose listing
failed), 2 invalid configuration or a connector that cannot list ids.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := wire(cmd.Context(), g)
			if err != nil {
				return err
			}
			defer a.Close()
			var picked []pipeline.Binding
			for _, b := range a.runner.Bindings {
				if b.Name == connector && (tenant == "" || b.Tenant == tenant) {
					picked = append(picked, b)
				}
			}
			if len(picked) == 0 {
				return withCode(exitConfig, fmt.Errorf("reconcile: no connector named %q%s", connector, inTenant(tenant)))
			}
			a.runner.Bindings = picked
			if err := a.startLeases(cmd.Context(), true); err != nil {
				return err
			}
			reports, err := a.runner.ReconcileOnce(cmd.Context(), pipeline.ReconcileOptions{DryRun: dryRun})
			if asJSON {
				if jerr := printJSON(g.stdout, reports); jerr != nil {
					return jerr
				}
			} else {
				printReconcile(g.stdout, reports)
			}
			if errors.Is(err, pipeline.ErrConfig) {
				return withCode(exitConfig, err)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&connector, "connector", "", "connector instance name (its name, or its kind when unnamed)")
	cmd.Flags().StringVar(&tenant, "tenant", "", "only this tenant's connector of that name (default: every tenant's)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "count the hard deletes; delete nothing")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the reports as JSON")
	_ = cmd.MarkFlagRequired("connector")
	return cmd
}

func inTenant(tenant string) string {
	if tenant == "" {
		return ""
	}
	return " in tenant " + tenant
}

// printReconcile prints one line per reconciled stream.
func printReconcile(w io.Writer, reports []pipeline.ReconcileReport) {
	for _, r := range reports {
		done := fmt.Sprintf("%d deleted", r.Deleted)
		if r.DryRun {
			done = "dry run: nothing deleted"
		}
		fmt.Fprintf(w, "reconcile %s/%s/%s: %d facts stored, %d ids listed, %d hard deletes found, %s (%s)\n",
			r.Tenant, r.Source, r.Object, r.Stored, r.Listed, r.Missing, done, r.Duration.Round(time.Millisecond))
		if r.Unrecognized > 0 {
			fmt.Fprintf(w, "  %d stored keys are not pseudonyms of this key scheme and were left alone\n", r.Unrecognized)
		}
	}
}
