package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/warehouse/quarantine"
)

const quarantineLong = `quarantine shows the records the pipeline rejected: where in the pipeline
(stage), which field and which rule, and where the raw message sits in the
log (topic, partition, offset). It never shows a value: the quarantine
table holds none. Rows expire under retention.quarantine.

--json prints a stable document with a "version" field (see README).
Exit codes: 0 shown, 1 failed, 2 bad flags, unknown tenant or invalid
configuration.`

func quarantineCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "Show the rejected records (list) or their counts by field and rule (stats), never a value",
		Long:  quarantineLong,
	}
	cmd.AddCommand(quarantineListCmd(g), quarantineStatsCmd(g))
	return cmd
}

// quarantineFlags are the flags list and stats share.
type quarantineFlags struct {
	tenant, since string
	limit         int
	asJSON        bool
}

func (f *quarantineFlags) register(cmd *cobra.Command, limit int, limitDoc string) {
	cmd.Flags().StringVar(&f.tenant, "tenant", "", "only this tenant's records")
	cmd.Flags().StringVar(&f.since, "since", "", "only records quarantined since a duration ago (90m, 24h, 7d) or an RFC 3339 time")
	cmd.Flags().IntVar(&f.limit, "limit", limit, limitDoc)
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print a JSON document (with a version field)")
}

// filter validates the flags (exit 2) and returns the filter.
func (f *quarantineFlags) filter(now time.Time) (quarantine.Filter, error) {
	if f.limit < 1 {
		return quarantine.Filter{}, withCode(exitConfig, fmt.Errorf("--limit must be at least 1"))
	}
	since, err := parseSince(f.since, now)
	if err != nil {
		return quarantine.Filter{}, err
	}
	return quarantine.Filter{Tenant: f.tenant, Since: since, Limit: f.limit}, nil
}

// quarantineDoc is the head of both JSON documents.
type quarantineDoc struct {
	Version int        `json:"version"`
	Tenant  string     `json:"tenant,omitempty"`
	Since   *time.Time `json:"since,omitempty"`
}

func newQuarantineDoc(f quarantine.Filter) quarantineDoc {
	d := quarantineDoc{Version: opsVersion, Tenant: f.Tenant}
	if !f.Since.IsZero() {
		s := f.Since.UTC()
		d.Since = &s
	}
	return d
}

// quarantineSubCmd builds list or stats: it validates the flags (a usage
// error exits 2 before anything is opened), opens the warehouse and
// calls show.
func quarantineSubCmd(g *globals, use, short string, limit int, limitDoc string,
	show func(ctx context.Context, a *app, f quarantine.Filter, asJSON bool) error) *cobra.Command {
	var fl quarantineFlags
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := fl.filter(time.Now())
			if err != nil {
				return err
			}
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				return show(ctx, a, f, fl.asJSON)
			})
		},
	}
	fl.register(cmd, limit, limitDoc)
	return cmd
}

func quarantineListCmd(g *globals) *cobra.Command {
	return quarantineSubCmd(g, "list", "List rejected records, newest first: when, tenant, connector, object, stage, field, rule, log position",
		100, "most records to list",
		func(ctx context.Context, a *app, f quarantine.Filter, asJSON bool) error {
			want := f.Limit
			f.Limit++ // one more tells whether there are more
			entries, err := quarantine.List(ctx, a.wh, f)
			if err != nil {
				return err
			}
			f.Limit = want
			more := len(entries) > want
			entries = entries[:min(len(entries), want)]
			if asJSON {
				return printJSON(g.stdout, struct {
					quarantineDoc
					Limit     int                `json:"limit"`
					Truncated bool               `json:"truncated"`
					Entries   []quarantine.Entry `json:"entries"`
				}{newQuarantineDoc(f), want, more, entries})
			}
			printEntries(g.stdout, entries)
			if len(entries) == 0 {
				fmt.Fprintln(g.stdout, "no quarantined records"+describe(f))
			} else if more {
				fmt.Fprintf(g.stdout, "showing the newest %d; more with --limit\n", want)
			}
			return nil
		})
}

func quarantineStatsCmd(g *globals) *cobra.Command {
	return quarantineSubCmd(g, "stats", "Count rejected records by tenant, connector, object, stage, field and rule, with first and last seen",
		1000, "most groups to print (the total counts all)",
		func(ctx context.Context, a *app, f quarantine.Filter, asJSON bool) error {
			groups, total, err := quarantine.Stats(ctx, a.wh, f)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(g.stdout, struct {
					quarantineDoc
					Total  int64              `json:"total"`
					Groups []quarantine.Group `json:"groups"`
				}{newQuarantineDoc(f), total, groups})
			}
			printGroups(g.stdout, groups)
			fmt.Fprintf(g.stdout, "total: %d quarantined record(s)%s\n", total, describe(f))
			if int64(len(groups)) < total && len(groups) == f.Limit {
				fmt.Fprintf(g.stdout, "showing the %d largest groups; more with --limit\n", f.Limit)
			}
			return nil
		})
}

func describe(f quarantine.Filter) string {
	s := ""
	if f.Tenant != "" {
		s += " of tenant " + f.Tenant
	}
	if !f.Since.IsZero() {
		s += " since " + f.Since.UTC().Format(time.RFC3339)
	}
	return s
}

func printEntries(w io.Writer, entries []quarantine.Entry) {
	if len(entries) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUARANTINED AT\tTENANT\tCONNECTOR\tOBJECT\tSTAGE\tFIELD\tRULE\tRAW MESSAGE (TOPIC/PARTITION@OFFSET)")
	for _, e := range entries {
		pos := "not published"
		if e.Topic != "" {
			pos = fmt.Sprintf("%s/%d@%d", e.Topic, e.Partition, e.Offset)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Tenant, e.Connector, e.Object,
			e.Stage, e.Field, e.Rule, pos)
	}
	tw.Flush()
}

func printGroups(w io.Writer, groups []quarantine.Group) {
	if len(groups) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tCONNECTOR\tOBJECT\tSTAGE\tFIELD\tRULE\tCOUNT\tFIRST SEEN\tLAST SEEN")
	for _, gr := range groups {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", gr.Tenant, gr.Connector, gr.Object, gr.Stage, gr.Field, gr.Rule,
			gr.Count, gr.First.Format(time.RFC3339), gr.Last.Format(time.RFC3339))
	}
	tw.Flush()
}
