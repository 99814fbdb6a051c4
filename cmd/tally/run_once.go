package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// Exit codes of `tally run --once` beyond exitOK, exitFailed and
// exitConfig.
const (
	// exitStopped: a stream's pass stopped before it completed (its
	// source or its publishing failed); what it pulled before is loaded.
	exitStopped = 4
	// exitQuarantined: a stream quarantined more than quarantine.max_share
	// of its pass's records.
	exitQuarantined = 5
)

// runOnceHelp is the exit-code part of `tally run`'s help.
const runOnceHelp = `Exit codes of --once:
  0  every stream completed its pass (or stopped cleanly on a spent request quota)
  1  the run failed (log, warehouse)
  2  invalid configuration, or a source rejected its credentials
  3  a purge holds the warehouse lock
  4  a stream stopped before its pass completed; everything pulled before is loaded
  5  a stream quarantined more than quarantine.max_share of its pass's records
Each pass ends with one "sync pass summary" log line per stream: pulled, written,
deleted, quarantined and quarantine counts by field/rule.`

// onceOutcome turns the report and error of a `run --once` pass into the
// command's error, carrying its exit code.
func onceOutcome(rep pipeline.PassReport, err error, maxShare float64, logger *slog.Logger) error {
	srcErr := rep.Err()
	switch {
	case errors.Is(err, pipeline.ErrConfig) || errors.Is(srcErr, pipeline.ErrConfig):
		return withCode(exitConfig, errors.Join(srcErr, err))
	case err != nil:
		return errors.Join(srcErr, err)
	}
	if stopped := rep.Stopped(); len(stopped) > 0 {
		errs := make([]error, len(stopped))
		for i, s := range stopped {
			errs[i] = s.Err
		}
		return withCode(exitStopped, fmt.Errorf("%d stream(s) stopped before their pass completed: %w", len(stopped), errors.Join(errs...)))
	}
	if errors.Is(srcErr, pipeline.ErrQuota) {
		logger.Warn("a source's request quota is spent; everything pulled so far is committed and the next run resumes from there", "error", srcErr)
	}
	var over []string
	for _, s := range rep.Streams {
		if s.Quarantined > 0 && s.QuarantineShare() > maxShare {
			over = append(over, fmt.Sprintf("%s/%s/%s quarantined %d of %d records (%.1f%%): %s", s.Tenant, s.Source, s.Object,
				s.Quarantined, max(s.Pulled, s.Consumed, s.Quarantined), 100*s.QuarantineShare(), pipeline.FormatQuarantine(s.ByRule())))
		}
	}
	if len(over) > 0 {
		return withCode(exitQuarantined, fmt.Errorf("quarantined records exceed quarantine.max_share (%g%%): %s; see `tally quarantine`",
			100*maxShare, strings.Join(over, "; ")))
	}
	return nil
}

// fieldKPIs returns, for Runner.FieldKPIs, the projected fields of each
// object that feed enabled KPIs, with the KPIs they feed.
func fieldKPIs(cat *schemas.Catalog, kpis []string) func(object string) map[string][]string {
	proj, err := cat.Project(kpis, cat.Objects())
	if err != nil {
		return nil // the configuration's KPIs were validated; nothing to warn about
	}
	byObject := map[string]map[string][]string{}
	for o, fields := range proj {
		for f, whys := range fields {
			for _, why := range whys {
				if k, ok := strings.CutPrefix(why, "kpi "); ok {
					if byObject[o] == nil {
						byObject[o] = map[string][]string{}
					}
					byObject[o][f] = append(byObject[o][f], k)
				}
			}
		}
	}
	return func(object string) map[string][]string { return byObject[object] }
}
