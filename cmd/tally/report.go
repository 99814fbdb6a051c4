package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/pipeline/buildinfo"
	"github.com/tally-dev/tally/pipeline/config"
	"github.com/tally-dev/tally/schemas"
)

// processingRecord is the GDPR Art. 30 record of processing, built only
// from the running configuration, the embedded schemas and each
// connector's own plan, so it cannot drift from what tally does.
type processingRecord struct {
	GeneratedAt string         `json:"generated_at"` // RFC 3339, UTC
	Tally       buildinfo.Info `json:"tally"`
	Controller  controllerRow  `json:"controller"`
	Region      string         `json:"region"`
	Tenants     []string       `json:"tenant_regions"` // "acme (eu)"
	Warehouse   string         `json:"warehouse"`
	Kafka       string         `json:"kafka"`
	Purposes    []purposeRow   `json:"purposes"`
	Subjects    []subjectRow   `json:"data_subjects"`
	Recipients  []string       `json:"recipients"`
	Transfers   []transferRow  `json:"transfers"`
	Retention   []retentionRow `json:"retention"`
	Security    securityRow    `json:"security_measures"`
	Connectors  []connectorRow `json:"connectors"`
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

// connectorRow is one (tenant, connector): the objects its own plan
// pulls.
type connectorRow struct {
	Tenant    string      `json:"tenant"`
	Connector string      `json:"connector"`
	System    string      `json:"system"`
	Objects   []objectRow `json:"objects"`
	// Undetermined says why the objects could not be listed (the
	// connector could not be built); empty when they could.
	Undetermined string `json:"undetermined,omitempty"`
}

// objectRow is what a connector pulls of one object and what becomes of
// each field.
type objectRow struct {
	Object    string     `json:"object"`
	Record    string     `json:"record"`
	Fields    []fieldRow `json:"fields"`
	NotPulled []string   `json:"not_collected"`
}

type fieldRow struct {
	Field     string   `json:"field"`
	Category  string   `json:"category"`
	Treatment string   `json:"treatment"`
	Why       []string `json:"justified_by"`
}

// unpulled is implemented by a source whose plan leaves some projected
// fields of an object unrequested (the CRM lacks them).
type unpulled interface {
	Unpulled(object string) []string
}

func buildProcessingRecord(cfg *config.File, reg *pipeline.Registry, cat *schemas.Catalog, now time.Time, version buildinfo.Info) (*processingRecord, error) {
	kpis := cfg.EnabledKPIs(cat)
	proj, err := projection(cfg, cat, kpis)
	if err != nil {
		return nil, err
	}
	rec := &processingRecord{GeneratedAt: now.UTC().Format(time.RFC3339), Tally: version,
		Controller: controllerOf(cfg.Controller), Transfers: transfersOf(cfg.Controller),
		Region: cmp.Or(cfg.Region, notStated+" (set region in tally.yaml)"), Warehouse: cfg.Warehouse.Endpoint(),
		Kafka: "embedded broker (in process, data under " + cfg.DataDir + "/kafka)"}
	for _, t := range cfg.Residency().Tenants {
		rec.Tenants = append(rec.Tenants, t.Tenant+" ("+cmp.Or(t.Region, notStated)+")")
	}
	if len(cfg.Kafka.Brokers) > 0 {
		rec.Kafka = "cluster " + strings.Join(cfg.Kafka.Brokers, ", ")
	}
	rec.Recipients = append([]string{"tally service (writes the warehouse)"}, roleRecipients(cfg, cat)...)
	rec.Retention = retentionRows(cfg)
	for _, name := range cfg.EnabledPurposes(cat) {
		p, _ := cat.Purpose(name)
		rec.Purposes = append(rec.Purposes, purposeRow{p.Name, p.Basis, p.Doc})
	}
	for _, t := range cfg.Tenants {
		for _, c := range t.Connectors {
			rec.Connectors = append(rec.Connectors, connectorFor(cfg, reg, cat, proj, t.ID, c))
		}
	}
	rec.Subjects = subjectsOf(cat, rec.Connectors, cfg.EnabledPurposes(cat))
	rec.Security = securityOf(cfg, cat)
	return rec, nil
}

// connectorFor asks the connector's own source (built with stand-ins
// for unset secrets, never opened) which objects and fields it pulls.
func connectorFor(cfg *config.File, reg *pipeline.Registry, cat *schemas.Catalog, proj schemas.Projection, tenant string, c config.Connector) connectorRow {
	row := connectorRow{Tenant: tenant, Connector: c.InstanceName(), System: c.Kind}
	fields := map[string][]string{}
	for _, o := range proj.Objects() {
		fields[o] = proj.Fields(o)
	}
	fac, _ := reg.Source(c.Kind)
	ccfg, err := cfg.PlanningConfig(reg, c)
	var src pipeline.Source
	if err == nil {
		src, err = fac.New(ccfg, pipeline.SourceEnv{Tenant: tenant, Name: row.Connector, Projection: fields,
			Logger: slog.New(slog.DiscardHandler)})
	}
	if err != nil {
		row.Undetermined = "the connector could not be planned: " + err.Error()
		return row
	}
	defer src.Close()
	for _, o := range src.Objects() {
		var skip []string
		if u, ok := src.(unpulled); ok {
			skip = u.Unpulled(o)
		}
		row.Objects = append(row.Objects, objectFor(cat, proj, o, skip))
	}
	return row
}

func objectFor(cat *schemas.Catalog, proj schemas.Projection, object string, skip []string) objectRow {
	o, _ := cat.Object(object)
	e := objectRow{Object: object, Record: o.Doc}
	for _, f := range o.Fields {
		why, ok := proj[object][f.Name]
		if !ok || slices.Contains(skip, f.Name) {
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
		Long: "Print the GDPR Art. 30 record of processing: controller and DPO, purposes, categories of data\n" +
			"subjects and personal data, recipients, transfers, retention in days, security measures, and per\n" +
			"connector the objects and fields it pulls. The controller: section of tally.yaml supplies what only\n" +
			"the organisation knows; the rest comes from the configuration and each connector's own plan.\n" +
			"It calls no CRM and needs no CRM secret; --format html is styled for printing.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "md" && format != "json" && format != "html" {
				return withCode(exitConfig, errors.New("report: --format is md, json or html"))
			}
			cat, reg := schemas.Default(), newRegistry()
			cfg, err := loadAdminConfig(g.configPath, reg, cat)
			if err != nil {
				return err
			}
			rec, err := buildProcessingRecord(cfg, reg, cat, time.Now(), buildinfo.Read())
			if err != nil {
				return err
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
