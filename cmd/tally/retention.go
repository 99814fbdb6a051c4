package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/warehouse"
)

func retentionCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Inspect and apply the retention policy",
	}
	cmd.AddCommand(retentionApplyCmd(g))
	return cmd
}

func retentionApplyCmd(g *globals) *cobra.Command {
	var confirm, asJSON bool
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Re-stamp expires_at of existing rows after a policy change (dry run unless --confirm)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				rs, err := a.wh.ApplyRetention(ctx, !confirm)
				if asJSON {
					if jerr := printJSON(g.stdout, rs); jerr != nil {
						return jerr
					}
				} else {
					verb := "would re-stamp"
					if confirm {
						verb = "re-stamped"
					}
					for _, r := range rs {
						fmt.Fprintf(g.stdout, "%-20s tenant %-12s ttl %-6s %s %d row(s), %d of them already expired\n",
							r.Table, r.Tenant, r.TTL, verb, r.Rows, r.Expired)
					}
					if !confirm {
						fmt.Fprintln(g.stdout, "dry run: nothing changed; run with --confirm to apply")
					}
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&confirm, "confirm", false, "apply the changes (default: dry run that only counts)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the counts as JSON")
	return cmd
}

// tenantTTLs returns the per-tenant TTL overrides of the configuration.
func tenantTTLs(cfg *config.File) map[string]warehouse.TTLs {
	out := map[string]warehouse.TTLs{}
	for _, t := range cfg.Tenants {
		r := t.Retention
		if r.Facts > 0 || r.KPIs > 0 || r.Quarantine > 0 {
			out[t.ID] = warehouse.TTLs{Facts: r.Facts.D(), KPIs: r.KPIs.D(), Quarantine: r.Quarantine.D()}
		}
	}
	return out
}
