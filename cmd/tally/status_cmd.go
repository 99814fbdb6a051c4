package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/tally-dev/tally/pipeline/kafka"
	"github.com/tally-dev/tally/status"
)

func statusCmd(g *globals) *cobra.Command {
	var tenant string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show per stream the last sync pass, its counts, consumer lag and next pass; the last purge, pending terminations and erasure receipts",
		Long: `Show per stream the last sync pass, its counts, consumer lag and next pass; the last purge,
pending terminations and each tenant's erasure-receipt chain head and whether it verifies;
which tally run process (host, pid) holds which connector's lease and consumes which
partitions (read from the warehouse, so any process's status shows the whole fleet).

When a tally run on this configuration serves its admin listener (admin.listen set), its live
status is shown (with outages and next passes); otherwise the status is read from the
warehouse (sync_runs, purge_runs, …) and the next pass is unknown. Consumer lag needs
kafka.brokers (the embedded broker lives inside the run). --json prints the document the
admin API serves at /api/v1/status.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withWarehouse(cmd, g, func(ctx context.Context, a *app) error {
				st, ok := liveStatus(ctx, a, tenant)
				if !ok {
					a.openStatusLog()
					st = a.status(ctx, tenant, false, false)
				}
				if asJSON {
					return writeJSON(g.stdout, st)
				}
				return printStatus(g.stdout, st)
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "show this tenant only")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON (the /api/v1/status document)")
	return cmd
}

// liveStatus asks a running tally's admin listener for its status; ok
// is false when none answers.
func liveStatus(ctx context.Context, a *app, tenant string) (status.Status, bool) {
	// Only an explicitly configured address: the default one may be
	// another tally's on this machine.
	addr := a.cfg.Admin.Addr()
	if addr == "" || a.cfg.Admin.Listen == "" {
		return status.Status{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	url := "http://" + urlHost(addr) + "/api/v1/status"
	if tenant != "" {
		url += "?tenant=" + tenant
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return status.Status{}, false
	}
	if a.cfg.Admin.Token.Set() {
		req.Header.Set("Authorization", "Bearer "+a.cfg.Admin.Token.Reveal())
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return status.Status{}, false
	}
	defer resp.Body.Close()
	var st status.Status
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&st) != nil || st.Schema == 0 {
		return status.Status{}, false
	}
	for _, s := range st.Streams {
		if !a.hasTenant(s.Tenant) {
			return status.Status{}, false // another deployment's
		}
	}
	return st, true
}

// openStatusLog connects to the configured Kafka cluster for consumer
// lag; without brokers (the embedded one lives in the run) or on
// failure, lag stays unknown.
func (a *app) openStatusLog() {
	if len(a.cfg.Kafka.Brokers) == 0 {
		return
	}
	kc, err := kafkaConfig(a.cfg, a.cfg.Kafka.Brokers)
	if err != nil {
		return
	}
	if l, err := kafka.Open(kc, a.logger); err == nil {
		a.log = l
	}
}

// printStatus writes the status for a terminal.
func printStatus(w io.Writer, st status.Status) error {
	live := "no run live: next pass unknown"
	if st.Live {
		live = "run live"
	}
	fmt.Fprintf(w, "tally %s, %s, %s\n", st.Version, st.GeneratedAt.Format(time.RFC3339), live)
	if st.PersonalKept != nil && *st.PersonalKept > 0 {
		fmt.Fprintf(w, "BREACH SIGNAL: %d personal value(s) kept after the stages\n", *st.PersonalKept)
	}
	for _, o := range st.Outages {
		fmt.Fprintf(w, "OUTAGE: %s unreachable\n", o)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TENANT\tCONNECTOR\tOBJECT\tLAST PASS\tRESULT\tPULLED\tWRITTEN\tDELETED\tQUARANTINED\tLAG\tNEXT PASS\tSTATE")
	for _, s := range st.Streams {
		last, result, counts := "never", "-", "-\t-\t-\t-"
		if p := s.LastPass; p != nil {
			last, result = p.Ended.Format(time.RFC3339), p.Result
			if p.ErrorKind != "" {
				result += " (" + p.ErrorKind + ")"
			}
			counts = fmt.Sprintf("%d\t%d\t%d\t%d", p.Pulled, p.Written, p.Deleted, p.Quarantined)
		}
		lag, next, state := "unknown", "unknown", "ok"
		if s.Lag != nil {
			lag = fmt.Sprint(*s.Lag)
		}
		if s.NextPass != nil {
			next = s.NextPass.Format(time.RFC3339)
		}
		if s.Halted {
			next = "none (restart)"
		}
		if s.Stuck {
			state = "STUCK: " + s.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Tenant, s.Connector, s.Object, last, result, counts, lag, next, state)
	}
	if len(st.Streams) == 0 {
		fmt.Fprintln(tw, "(no pass recorded yet)")
	}
	tw.Flush()
	if len(st.Quarantine) > 0 {
		fmt.Fprintln(w, "\nquarantine by rule:")
		for _, q := range st.Quarantine {
			fmt.Fprintf(w, "  %s/%s/%s %s %s.%s: %d\n", q.Tenant, q.Connector, q.Object, q.Stage, q.Field, q.Rule, q.Count)
		}
	}
	fmt.Fprintln(w)
	if p := st.LastPurge; p != nil {
		v := "not checked"
		if p.Verified != nil {
			v = map[bool]string{true: "verified", false: "NOT verified"}[*p.Verified]
		}
		fmt.Fprintf(w, "last purge: #%d %s, %s, %d row(s) removed, %s\n", p.ID, p.Started.Format(time.RFC3339), p.Status, p.Removed, v)
	} else {
		fmt.Fprintln(w, "last purge: none recorded")
	}
	if len(st.Terminations) == 0 {
		fmt.Fprintln(w, "pending terminations: none")
	}
	for _, t := range st.Terminations {
		fmt.Fprintf(w, "pending termination: %s, rows deleted by the first purge after %s\n", t.Tenant, t.PurgeAfter.Format(time.RFC3339))
	}
	for _, e := range st.Erasures {
		v := "verifies"
		if e.Verified == nil || !*e.Verified {
			v = "DOES NOT verify"
		}
		head := e.Head
		if head == "" {
			head = "-"
		}
		fmt.Fprintf(w, "erasure receipts: %s: %d receipt(s), chain head %s, %s\n", e.Tenant, e.Receipts, head, v)
	}
	printFleet(w, st)
	if len(st.Unavailable) > 0 {
		fmt.Fprintf(w, "could not read: %s\n", strings.Join(st.Unavailable, ", "))
	}
	return nil
}
