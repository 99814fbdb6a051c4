package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
	"github.com/tally-dev/tally/warehouse"
)

// roles returns the warehouse roles of the configuration.
func roles(cfg *config.File) warehouse.Roles {
	r := warehouse.Roles{Reader: cfg.Warehouse.ReaderRole, Admin: cfg.Warehouse.AdminRole}
	for _, t := range cfg.Tenants {
		r.Tenants = append(r.Tenants, t.ID)
	}
	return r
}

// checkRoles checks warehouse.reader_role and admin_role with the
// warehouse's own rules (a config.Check).
func checkRoles(cfg *config.File) error {
	return roles(cfg).Validate()
}

// roleRecipients describes the database roles for the processing
// report, from the same list ApplyRoles grants.
func roleRecipients(cfg *config.File, cat *schemas.Catalog) []string {
	if cfg.Warehouse.Driver != warehouse.Postgres {
		return []string{"no database roles: the SQLite warehouse file is readable by whoever may read the file"}
	}
	var out []string
	acc := warehouse.Access(cat, roles(cfg))
	for _, ra := range append(acc, warehouse.TenantAccess(acc, roles(cfg))...) {
		out = append(out, fmt.Sprintf("database role %s (%s): SELECT on %s", ra.Role, ra.Audience, strings.Join(ra.Tables, ", ")))
	}
	return out
}

func rolesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "roles", Short: "PostgreSQL roles of analysts and privacy admins"}
	cmd.AddCommand(&cobra.Command{
		Use:   "apply",
		Short: "Create the configured roles (NOLOGIN) and grant each exactly what it may read; exit 1 if a privilege is missing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				if a.wh.Driver() != warehouse.Postgres {
					fmt.Fprintln(g.stdout, "the SQLite warehouse has no database roles; nothing to do")
					return nil
				}
				rep, err := a.wh.ApplyRoles(ctx)
				if err != nil {
					return err
				}
				acc := warehouse.Access(a.cat, roles(a.cfg))
				for _, ra := range append(acc, warehouse.TenantAccess(acc, roles(a.cfg))...) {
					fmt.Fprintf(g.stdout, "%s: SELECT on %s\n", ra.Role, strings.Join(ra.Tables, ", "))
				}
				fmt.Fprintf(g.stdout, "created %v, granted %v\n", rep.Created, rep.Granted)
				if len(rep.Problems) > 0 {
					return errors.New("roles: " + strings.Join(rep.Problems, "; "))
				}
				return nil
			})
		},
	})
	cmd.AddCommand(rolesGrantCmd(g))
	return cmd
}
