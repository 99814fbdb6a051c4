package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tally-dev/tally/status"
)

// printFleet writes the processes sharing the warehouse, the leases
// each holds and the partitions each consumes, then the leases.
func printFleet(w io.Writer, st status.Status) {
	fmt.Fprintf(w, "processes: %d live\n", len(st.Processes))
	if len(st.Processes) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  PROCESS\tHOST\tPID\tSTARTED\tHEARTBEAT\tLEASES\tPARTITIONS")
		for _, p := range st.Processes {
			holder := p.Holder
			if p.Self {
				holder += " (this)"
			}
			leases := make([]string, 0, len(p.Leases))
			for _, b := range p.Leases {
				leases = append(leases, b.Tenant+"/"+b.Connector)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%s\t%s\n", holder, p.Host, p.PID, p.Started.Format(time.RFC3339),
				p.Heartbeat.Format(time.RFC3339), orNone(strings.Join(leases, ", ")), processPartitions(p))
		}
		tw.Flush()
	}
	if len(st.Leases) == 0 {
		return
	}
	fmt.Fprintln(w, "connector leases:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  TENANT\tCONNECTOR\tSTATE\tHOLDER\tSINCE\tEXPIRES\tTOKEN")
	for _, l := range st.Leases {
		state := "held"
		if !l.Held {
			state = "free"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%d\n", l.Tenant, l.Connector, state, l.Holder,
			l.Since.Format(time.RFC3339), l.Expires.Format(time.RFC3339), l.Token)
	}
	tw.Flush()
}

// processPartitions is a process's assignment as "topic:0,2 topic:1".
func processPartitions(p status.Process) string {
	if p.Generation == nil {
		return "not a group member now"
	}
	parts := make([]string, 0, len(p.Partitions))
	for _, t := range p.Partitions {
		parts = append(parts, t.Topic+":"+partitionList(t.Partitions))
	}
	return fmt.Sprintf("generation %d: %s", *p.Generation, orNone(strings.Join(parts, " ")))
}

// partitionList is "0,2,4".
func partitionList(ps []int) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
