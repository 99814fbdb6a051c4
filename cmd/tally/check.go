package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// checkCmd tries every connector's credentials and lists what would be
// pulled, without writing anything: no Kafka topic, no warehouse row.
func checkCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Try every connector's credentials and list the fields each would pull, and why; writes nothing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg := newRegistry()
			cat := schemas.Default()
			cfg, err := loadConfig(g.configPath, reg, cat)
			if err != nil {
				return err
			}
			logger, err := newLogger(g.stderr, cfg.Log, g)
			if err != nil {
				return withCode(exitConfig, err)
			}
			kpis := cfg.EnabledKPIs(cat)
			proj, err := cat.Project(kpis, cat.Objects())
			if err != nil {
				return err
			}
			bindings, err := buildBindings(cfg, reg, cat, kpis, logger, nil)
			if err != nil {
				return err
			}
			var failed []error
			for _, b := range bindings {
				status := "ok"
				if err := checkBinding(cmd, b); err != nil {
					status = "FAILED: " + err.Error()
					failed = append(failed, err)
				}
				fmt.Fprintf(g.stdout, "%s/%s: %s\n", b.Tenant, b.Name, status)
				for _, o := range b.Source.Objects() {
					fmt.Fprintf(g.stdout, "  %s:\n", o)
					for _, f := range proj.Fields(o) {
						fmt.Fprintf(g.stdout, "    %-16s %v\n", f, proj[o][f])
					}
				}
			}
			if err := errors.Join(failed...); err != nil {
				if errors.Is(err, pipeline.ErrConfig) {
					return withCode(exitConfig, err)
				}
				return err
			}
			return nil
		},
	}
}

// checkBinding opens a source and, if it can, makes its cheapest read.
func checkBinding(cmd *cobra.Command, b pipeline.Binding) error {
	ctx := cmd.Context()
	if err := b.Source.Open(ctx); err != nil {
		return err
	}
	defer b.Source.Close()
	if c, ok := b.Source.(pipeline.Checker); ok {
		return c.Check(ctx)
	}
	return nil
}
