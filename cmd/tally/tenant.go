package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/warehouse"
)

// defaultGrace is the grace period of `tally tenant terminate`: the
// promise is deletion "up to 90 days after termination".
const defaultGrace = 90 * 24 * time.Hour

func tenantCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tenant",
		Short: "Terminate a tenant, show pending deletions, or cancel a termination",
	}
	cmd.AddCommand(tenantTerminateCmd(g), tenantStatusCmd(g), tenantCancelCmd(g))
	return cmd
}

func tenantTerminateCmd(g *globals) *cobra.Command {
	grace := config.Duration(defaultGrace)
	cmd := &cobra.Command{
		Use:   "terminate TENANT",
		Short: "Record a tenant's termination: its connectors stop, its data is deleted by the first purge after the grace period",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				t, err := a.wh.TerminateTenant(ctx, args[0], grace.D())
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "tenant %s terminated at %s; its connectors no longer run\n", t.Tenant, t.Requested.Format(time.RFC3339))
				fmt.Fprintf(g.stdout, "every warehouse row of %s is deleted by the first purge after %s\n", t.Tenant, t.PurgeAfter.Format(time.RFC3339))
				fmt.Fprintf(g.stdout, "raw Kafka records of %s age out by %s (kafka.retention %s after the last sync)\n",
					t.Tenant, t.Requested.Add(a.cfg.Kafka.Retention.D()).Format(time.RFC3339), a.cfg.Kafka.Retention)
				return nil
			})
		},
	}
	cmd.Flags().Var(&durationFlag{&grace}, "grace", "grace period before the data is deleted (e.g. 90d, 0d)")
	return cmd
}

func tenantStatusCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "List terminated tenants with the dates their data is (or was) deleted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				ts, err := a.wh.Terminations(ctx)
				if err != nil {
					return err
				}
				if len(ts) == 0 {
					fmt.Fprintln(g.stdout, "no tenant is terminated")
				}
				for _, t := range ts {
					if t.Pending() {
						fmt.Fprintf(g.stdout, "%s: terminated %s, pending deletion after %s (raw topics age out by %s)\n", t.Tenant,
							t.Requested.Format(time.RFC3339), t.PurgeAfter.Format(time.RFC3339),
							t.Requested.Add(a.cfg.Kafka.Retention.D()).Format(time.RFC3339))
						continue
					}
					fmt.Fprintf(g.stdout, "%s: terminated %s, deleted %s (%d rows)\n", t.Tenant,
						t.Requested.Format(time.RFC3339), t.Completed.Format(time.RFC3339), t.RowsDeleted)
				}
				return nil
			})
		},
	}
}

func tenantCancelCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel-termination TENANT",
		Short: "Withdraw a tenant's termination within its grace period",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				err := a.wh.CancelTermination(ctx, args[0])
				if errors.Is(err, warehouse.ErrNotTerminated) || errors.Is(err, warehouse.ErrGraceOver) {
					return withCode(exitFailed, err)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "termination of %s cancelled; its connectors run again from the next start of tally run\n", args[0])
				return nil
			})
		},
	}
}

// durationFlag is a pflag.Value over config.Duration (accepts 90d).
type durationFlag struct{ d *config.Duration }

func (f *durationFlag) String() string { return f.d.String() }
func (f *durationFlag) Type() string   { return "duration" }
func (f *durationFlag) Set(s string) error {
	v, err := config.ParseDuration(s)
	if err != nil {
		return err
	}
	*f.d = config.Duration(v)
	return nil
}

// skipTerminated drops the bindings of terminated tenants: a terminated
// tenant's CRM is never read again.
func (a *app) skipTerminated(ctx context.Context, bs []pipeline.Binding) ([]pipeline.Binding, error) {
	terminated, err := a.wh.Terminated(ctx)
	if err != nil {
		return nil, err
	}
	out := bs[:0]
	for _, b := range bs {
		if terminated[b.Tenant] {
			a.logger.Info("tenant is terminated; its connector does not run", "component", "runner", "tenant", b.Tenant, "connector", b.Name)
			continue
		}
		out = append(out, b)
	}
	return out, nil
}
