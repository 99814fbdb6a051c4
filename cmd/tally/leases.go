package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline/kafka"
	"github.com/tally-dev/tally/warehouse/lease"
)

// startLeases spreads the app's bindings over every `tally run` process
// of the warehouse (issue 13): the runner pulls a binding only under its
// lease. onDemand is for `run --once` and `reconcile`, which take the
// leases they need, asking running processes to hand them over, and
// take no share. The app's Close releases the leases.
func (a *app) startLeases(ctx context.Context, onDemand bool) error {
	bs := make([]lease.Binding, 0, len(a.runner.Bindings))
	for _, b := range a.runner.Bindings {
		bs = append(bs, lease.Binding{Tenant: b.Tenant, Connector: b.Name})
	}
	m := lease.New(a.wh, bs, lease.Options{TTL: a.cfg.Sync.LeaseTTL.D(), OnDemand: onDemand,
		Logger: a.logger.With("component", "leases")})
	if err := m.Start(ctx); err != nil {
		return fmt.Errorf("starting connector leases: %w", err)
	}
	a.runner.Leases = m
	a.leases = m
	if a.log != nil && !onDemand { // the operator's view: which process consumes which partitions
		a.log.OnAssign(func(as kafka.Assignment, member bool) {
			m.SetPartitions(int64(as.Generation), as.Partitions, member)
		})
	}
	a.logger.Info("connector leases started", "component", "leases", "holder", m.Holder(),
		"count", len(bs), "ttl", a.cfg.Sync.LeaseTTL.D())
	return nil
}

// holdsFirstLease gates the scheduled purge: of all `tally run`
// processes, the one holding the lease of the first binding (by tenant,
// connector) purges; the purge's advisory lock serializes the rest.
func (a *app) holdsFirstLease() bool {
	if a.runner.Leases == nil || len(a.runner.Bindings) == 0 {
		return true
	}
	first := a.runner.Bindings[0]
	for _, b := range a.runner.Bindings[1:] {
		if b.Tenant < first.Tenant || (b.Tenant == first.Tenant && b.Name < first.Name) {
			first = b
		}
	}
	l, ok := a.runner.Leases.Hold(first.Tenant, first.Name)
	if ok {
		l.Release()
	}
	return ok
}

func leasesCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "leases",
		Short: "Show which tally run process holds which connector's lease",
		Long: "Show which tally run process (host, pid, start) holds the lease of each connector, since\n" +
			"when and until when (renewed every third of sync.lease_ttl). PostgreSQL only: on SQLite one\n" +
			"process pulls every connector and the list is empty.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				rows, err := lease.List(ctx, a.wh)
				if err != nil {
					return err
				}
				if asJSON {
					if rows == nil {
						rows = []lease.Row{}
					}
					return printJSON(g.stdout, rows)
				}
				if len(rows) == 0 {
					fmt.Fprintln(g.stdout, "no connector leases (no tally run process on a PostgreSQL warehouse yet)")
					return nil
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "TENANT\tCONNECTOR\tSTATE\tHOST\tPID\tPROCESS STARTED\tSINCE\tEXPIRES\tTOKEN")
				for _, r := range rows {
					state := "held"
					if !r.Held {
						state = "free"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\n", r.Tenant, r.Connector, state, r.Host, r.PID,
						r.Started.UTC().Format(time.RFC3339), r.AcquiredAt.UTC().Format(time.RFC3339),
						r.ExpiresAt.UTC().Format(time.RFC3339), r.Token)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the leases as JSON")
	return cmd
}
