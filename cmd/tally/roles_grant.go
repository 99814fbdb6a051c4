package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// rolesGrantCmd is `tally roles grant --tenant T --reader|--admin USER`:
// USER becomes a member of the tenant's reader or admin role and reads
// that tenant's rows only.
func rolesGrantCmd(g *globals) *cobra.Command {
	var tenant string
	var reader, admin bool
	cmd := &cobra.Command{
		Use:   "grant --tenant T --reader|--admin USER",
		Short: "Make a PostgreSQL user a member of one tenant's reader or admin role (rows of that tenant only)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if tenant == "" || reader == admin {
				return withCode(exitConfig, errors.New("roles grant: give --tenant and exactly one of --reader and --admin"))
			}
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				role, err := a.wh.GrantTenantRole(ctx, tenant, admin, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "granted %s: the user reads rows of tenant %s only\n", role, tenant)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant whose role to grant")
	cmd.Flags().BoolVar(&reader, "reader", false, "grant the tenant's analyst role")
	cmd.Flags().BoolVar(&admin, "admin", false, "grant the tenant's privacy admin role")
	return cmd
}
