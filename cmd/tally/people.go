package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func peopleCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "people", Short: "Platform users in the identity vault (admin)"}
	var tenant string
	list := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's reps with their pseudonyms, opened from the identity vault",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tenant == "" {
				return withCode(exitConfig, errors.New("people list: --tenant is required"))
			}
			a, s, err := openSubjects(cmd, g)
			if err != nil {
				return err
			}
			defer a.Close()
			ps, err := s.People(cmd.Context(), tenant)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "REP PSEUDONYM\tEMAIL\tNAME")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s %s\n", p.Rep, p.Email, p.FirstName, p.LastName)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&tenant, "tenant", "", "tenant id (required)")
	cmd.AddCommand(list)
	return cmd
}
