package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/warehouse"
)

func keysCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Pseudonym key versions per tenant"}
	var tenant string
	var rekey bool
	var batch int
	need := func() error {
		if tenant == "" {
			return withCode(exitConfig, errors.New("keys: --tenant is required"))
		}
		return nil
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new key version current for the tenant's new pseudonyms (--rekey: rewrite stored ones too), then retire unreferenced versions",
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
			if rekey {
				return runRekey(cmd, g, s, tenant, batch)
			}
			kc, err := a.wh.KeyChain(cmd.Context(), tenant, a.cfg.Pseudonyms.KeyVersion)
			if err != nil {
				return err
			}
			if kc.Unfinished > 0 {
				return fmt.Errorf("keys: the rekey to k%d is unfinished; finish it first with --rekey", kc.Unfinished)
			}
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
			fmt.Fprintln(tw, "VERSION\tCURRENT\tRETIRED\tROWS\tREKEYED FROM")
			for _, v := range vs {
				retired, from := "-", "-"
				if v.Retired != nil {
					retired = v.Retired.Format("2006-01-02")
				}
				if v.Parent > 0 {
					from = fmt.Sprintf("k%d", v.Parent)
					if v.Rekeyed == nil {
						from += " (unfinished)"
					}
				}
				fmt.Fprintf(tw, "k%d\t%v\t%s\t%d\t%s\n", v.Version, v.Current, retired, v.Rows, from)
			}
			return tw.Flush()
		},
	}
	rotate.Flags().BoolVar(&rekey, "rekey", false, "also rewrite every stored pseudonym under the new version, in batches (stop tally run first; re-run to resume)")
	rotate.Flags().IntVar(&batch, "batch-size", warehouse.DefaultRekeyBatch, "rows per rekey transaction")
	for _, c := range []*cobra.Command{rotate, list} {
		c.Flags().StringVar(&tenant, "tenant", "", "tenant id (required)")
		cmd.AddCommand(c)
	}
	return cmd
}

// runRekey runs `keys rotate --rekey`: exit 3 while a tally run holds
// the writer lock.
func runRekey(cmd *cobra.Command, g *globals, s *warehouse.Subjects, tenant string, batch int) error {
	res, err := s.Rekey(cmd.Context(), tenant, warehouse.RekeyOptions{BatchSize: batch})
	if errors.Is(err, warehouse.ErrWritersRunning) {
		return withCode(exitLocked, fmt.Errorf("keys: %w", err))
	}
	if err != nil {
		return err
	}
	verb := "rekeyed"
	if res.Resumed {
		verb = "finished the interrupted rekey"
	}
	fmt.Fprintf(g.stdout, "tenant %s: %s k%d -> k%d (k%d is current; restart tally run); retired %v\n", tenant, verb, res.From, res.To, res.To, res.Retired)
	for _, c := range res.Rewritten {
		fmt.Fprintf(g.stdout, "  %s: %d rows\n", c.Table, c.Rows)
	}
	if res.Merged > 0 {
		fmt.Fprintf(g.stdout, "  merged %d rows that already existed under k%d\n", res.Merged, res.To)
	}
	return nil
}
