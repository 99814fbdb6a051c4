package main

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/pipeline/kafka"
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
			bindings, err := buildBindings(cfg, reg, cat, kpis, logger, nil, nil)
			if err != nil {
				return err
			}
			var failed []error
			for _, b := range bindings {
				status := "ok"
				fields, ferr, err := checkBinding(cmd, b)
				if err != nil {
					status = "FAILED: " + err.Error()
					failed = append(failed, err)
				}
				fmt.Fprintf(g.stdout, "%s/%s: %s\n", b.Tenant, b.Name, status)
				printFieldStatus(g.stdout, proj, fields, ferr)
				for _, o := range b.Source.Objects() {
					fmt.Fprintf(g.stdout, "  %s:\n", o)
					for _, f := range proj.Fields(o) {
						fmt.Fprintf(g.stdout, "    %-16s %v\n", f, proj[o][f])
					}
				}
			}
			warnWarehouseTransit(logger, cfg)
			if err := checkKafka(cmd.Context(), cfg, logger, g.stdout); err != nil {
				failed = append(failed, err)
			} else if err := checkTopicRetention(cmd, g, cfg, bindings); err != nil {
				failed = append(failed, err)
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

// checkTopicRetention warns about raw topics that already exist and
// keep data longer than kafka.retention: raw topics hold personal data,
// so a topic created by hand (or before the setting changed) would keep
// it past the promise. It reads configured brokers only; the embedded
// broker creates its topics itself with the configured retention.
func checkTopicRetention(cmd *cobra.Command, g *globals, cfg *config.File, bindings []pipeline.Binding) error {
	if len(cfg.Kafka.Brokers) == 0 {
		return nil
	}
	kc, err := kafkaConfig(cfg, cfg.Kafka.Brokers)
	if err != nil {
		return err
	}
	l, err := kafka.Open(kc, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer l.Close()
	want := cfg.Kafka.Retention.D()
	for _, b := range bindings {
		for _, o := range b.Source.Objects() {
			topic := pipeline.TopicName(cfg.Kafka.TopicPrefix, pipeline.Stream{Tenant: b.Tenant, Source: b.Name, Object: o})
			got, err := l.TopicRetention(cmd.Context(), topic)
			if err != nil {
				fmt.Fprintf(g.stdout, "topic %s: not created yet (tally creates it with retention %s)\n", topic, cfg.Kafka.Retention)
				continue
			}
			if got < 0 || got > want {
				keeps := "forever"
				if got >= 0 {
					keeps = config.Duration(got).String()
				}
				fmt.Fprintf(g.stdout, "WARNING: topic %s keeps raw records %s, longer than kafka.retention %s; "+
					"raw topics hold personal data: lower its retention.ms\n", topic, keeps, cfg.Kafka.Retention)
			}
		}
	}
	return nil
}

// checkBinding opens a source and, if it can, makes its cheapest read
// and verifies the vendor properties its projection reads (fields, or
// ferr when that could not be done; neither fails the check).
func checkBinding(cmd *cobra.Command, b pipeline.Binding) (fields []pipeline.FieldStatus, ferr, err error) {
	ctx := cmd.Context()
	if err := b.Source.Open(ctx); err != nil {
		return nil, nil, err
	}
	defer b.Source.Close()
	if c, ok := b.Source.(pipeline.Checker); ok {
		if err := c.Check(ctx); err != nil {
			return nil, nil, err
		}
	}
	if fc, ok := b.Source.(pipeline.FieldChecker); ok {
		fields, ferr = fc.CheckFields(ctx)
	}
	return fields, ferr, nil
}
