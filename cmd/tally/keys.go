package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func keysCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Pseudonym key versions per tenant"}
	var tenant string
	need := func() error {
		if tenant == "" {
			return withCode(exitConfig, errors.New("keys: --tenant is required"))
		}
		return nil
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new key version current for the tenant's new pseudonyms, then retire unreferenced versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(); err != nil {
				return err
			}
			a, s, err := openSubjects(cmd, g)
			if err != nil {
				return err
			}
			defer a.Close()
			v, err := a.wh.RotateKey(cmd.Context(), tenant, a.cfg.Pseudonyms.KeyVersion)
			if err != nil {
				return err
			}
			retired, err := s.RetireKeys(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "tenant %s: key version k%d is current for new pseudonyms (restart tally run); retired %v\n", tenant, v, retired)
			return nil
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the tenant's key versions and how many rows reference each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := need(); err != nil {
				return err
			}
			a, s, err := openSubjects(cmd, g)
			if err != nil {
				return err
			}
			defer a.Close()
			vs, err := s.KeyVersions(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tCURRENT\tRETIRED\tROWS")
			for _, v := range vs {
				retired := "-"
				if v.Retired != nil {
					retired = v.Retired.Format("2006-01-02")
				}
				fmt.Fprintf(tw, "k%d\t%v\t%s\t%d\n", v.Version, v.Current, retired, v.Rows)
			}
			return tw.Flush()
		},
	}
	for _, c := range []*cobra.Command{rotate, list} {
		c.Flags().StringVar(&tenant, "tenant", "", "tenant id (required)")
		cmd.AddCommand(c)
	}
	return cmd
}
