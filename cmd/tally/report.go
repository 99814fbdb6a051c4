package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
)

// processingRecord is the GDPR Art. 30 record of processing, built only
// from the running configuration and the embedded schemas, so it cannot
// drift from what tally does.
type processingRecord struct {
	Region     string            `json:"region"`
	Warehouse  string            `json:"warehouse"`
	Kafka      string            `json:"kafka"`
	Recipients []string          `json:"recipients"`
	Retention  []retentionRow    `json:"retention"`
	Purposes   []purposeRow      `json:"purposes"`
	Activities []processingEntry `json:"activities"`
}

type retentionRow struct {
	Table string `json:"table"`
	Keep  string `json:"keep"`
}

type purposeRow struct {
	Name  string `json:"name"`
	Basis string `json:"basis"`
	Doc   string `json:"doc"`
}

// processingEntry is one (tenant, connector, object): what is collected
// from which system and what becomes of each field.
type processingEntry struct {
	Tenant    string     `json:"tenant"`
	Connector string     `json:"connector"`
	System    string     `json:"system"`
	Object    string     `json:"object"`
	Subjects  string     `json:"data_subjects"`
	Fields    []fieldRow `json:"fields"`
	NotPulled []string   `json:"not_collected"`
}

type fieldRow struct {
	Field     string   `json:"field"`
	Category  string   `json:"category"`
	Treatment string   `json:"treatment"`
	Why       []string `json:"justified_by"`
}

func buildProcessingRecord(cfg *config.File, cat *schemas.Catalog) (*processingRecord, error) {
	kpis := cfg.EnabledKPIs(cat)
	proj, err := projection(cfg, cat, kpis)
	if err != nil {
		return nil, err
	}
	rec := &processingRecord{Region: cfg.Region, Warehouse: cfg.Warehouse.Driver,
		Kafka: "embedded broker (in process, data under " + cfg.DataDir + "/kafka)"}
	if rec.Region == "" {
		rec.Region = "not stated (set region in tally.yaml)"
	}
	if len(cfg.Kafka.Brokers) > 0 {
		rec.Kafka = "cluster " + strings.Join(cfg.Kafka.Brokers, ", ")
	}
	rec.Recipients = append([]string{"tally service (writes the warehouse)"}, roleRecipients(cfg, cat)...)
	raw := cfg.Kafka.Retention.D().String()
	rec.Retention = []retentionRow{
		{"raw Kafka topics", raw + " (personal fields crypto-shredded per subject; unreadable once the subject is erased)"},
		{"*_facts", cfg.Retention.Facts.D().String()}, {"kpi_daily", cfg.Retention.KPIs.D().String() + " after the end of the day each rollup describes"},
		{"quarantine", cfg.Retention.Quarantine.D().String()}, {"identity_vault", cfg.Retention.Facts.D().String()},
		{"subject_keys", cfg.Retention.Facts.D().String()},
		{"suppressions, erasure_receipts", "10 years (evidence of erasure; no personal value)"},
	}
	for _, name := range cfg.EnabledPurposes(cat) {
		p, _ := cat.Purpose(name)
		rec.Purposes = append(rec.Purposes, purposeRow{p.Name, p.Basis, p.Doc})
	}
	for _, t := range cfg.Tenants {
		for _, c := range t.Connectors {
			for _, o := range proj.Objects() {
				rec.Activities = append(rec.Activities, entryFor(t.ID, c, cat, proj, o))
			}
		}
	}
	return rec, nil
}

func entryFor(tenant string, c config.Connector, cat *schemas.Catalog, proj schemas.Projection, object string) processingEntry {
	o, _ := cat.Object(object)
	e := processingEntry{Tenant: tenant, Connector: c.InstanceName(), System: c.Kind, Object: object, Subjects: o.Doc}
	for _, f := range o.Fields {
		why, ok := proj[object][f.Name]
		if !ok {
			e.NotPulled = append(e.NotPulled, f.Name)
			continue
		}
		e.Fields = append(e.Fields, fieldRow{Field: f.Name, Category: string(f.Class), Treatment: treatment(f, why), Why: why})
	}
	return e
}

func treatment(f schemas.Field, why []string) string {
	switch {
	case f.Class == schemas.Identifier:
		return "pseudonymized (keyed HMAC) as the record key"
	case f.Class == schemas.Person && f.Refers != "":
		return "pseudonymized as the " + f.Refers + " pseudonym"
	case !f.Stored() && schemas.PurposeOnly(why):
		return "sealed (AES-GCM) in the identity vault, dropped from facts"
	case !f.Stored():
		return "dropped"
	case f.Class == schemas.Time && f.Granularity == "day":
		return "kept, generalized to a UTC day"
	}
	return "kept"
}

func reportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Reports generated from the running configuration"}
	var format string
	proc := &cobra.Command{
		Use:   "processing",
		Short: "Print the GDPR Art. 30 record of processing (md, json or html)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cat := schemas.Default()
			cfg, err := loadAdminConfig(g.configPath, newRegistry(), cat)
			if err != nil {
				return err
			}
			rec, err := buildProcessingRecord(cfg, cat)
			if err != nil {
				return err
			}
			if format != "md" && format != "json" && format != "html" {
				return withCode(exitConfig, errors.New("report: --format is md, json or html"))
			}
			return writeReport(g.stdout, rec, format)
		},
	}
	proc.Flags().StringVar(&format, "format", "md", "md, json or html")
	cmd.AddCommand(proc)
	return cmd
}

// writeReport renders rec in a format; tests use it.
func writeReport(w io.Writer, rec *processingRecord, format string) error {
	switch format {
	case "json":
		return writeJSON(w, rec)
	case "md", "html":
		return renderReport(w, rec, format == "html")
	}
	return fmt.Errorf("report format %q", format)
}
