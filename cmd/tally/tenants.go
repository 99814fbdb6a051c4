package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline/config"
)

// checkNamedTenants refuses, with exit code 2, a command line that names
// a tenant the configuration does not have: the --tenant flag of any
// command, and the first argument of a command whose usage line names
// it TENANT (tenant terminate TENANT). It runs before every command (the
// root's PersistentPreRunE), so that no command acts on, or reports
// nothing about, a mistyped tenant. A configuration that does not load
// is left to the command, which reports its problems.
func checkNamedTenants(g *globals) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		var named []string
		if f := cmd.Flags().Lookup("tenant"); f != nil && f.Changed && f.Value.String() != "" {
			named = append(named, f.Value.String())
		}
		if fields := strings.Fields(cmd.Use); len(fields) > 1 && fields[1] == "TENANT" && len(args) > 0 {
			named = append(named, args[0])
		}
		if len(named) == 0 {
			return nil
		}
		cfg, err := config.Load(g.configPath)
		if err != nil {
			return nil
		}
		for _, id := range named {
			if err := knownTenant(cfg, id); err != nil {
				return err
			}
		}
		return nil
	}
}

// knownTenant returns an exit-2 error naming the configured tenants when
// id is not one of them. Tenant ids are configuration, not personal
// data, so they are printed.
func knownTenant(cfg *config.File, id string) error {
	ids := make([]string, len(cfg.Tenants))
	for i, t := range cfg.Tenants {
		if t.ID == id {
			return nil
		}
		ids[i] = t.ID
	}
	hint := ""
	if s := config.Suggest(id, ids); s != "" {
		hint = fmt.Sprintf(" (did you mean %s?)", s)
	}
	return withCode(exitConfig, fmt.Errorf("unknown tenant %q%s; configured tenants: %s", id, hint, strings.Join(ids, ", ")))
}
