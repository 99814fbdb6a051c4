package main

import (
	"context"
	"errors"
	"time"

	"github.com/tally-dev/tally/connectors/crmhttp"
	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/warehouse/syncruns"
)

// wireSyncRuns records every pass of the runner in sync_runs (issue 10).
// A failed write is logged and never fails the pass.
func (a *app) wireSyncRuns() {
	a.runner.OnPass = func(ctx context.Context, rep pipeline.PassReport) {
		// A pass cut short by a stop is recorded all the same.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := syncruns.Record(ctx, a.wh, rep, errorKind); err != nil {
			a.logger.Warn("recording sync pass evidence failed; the pass itself is unaffected",
				"component", "syncruns", "count", len(rep.Streams), "error", err)
		}
	}
}

// errorKind names the kind of a stream's error, the kinds only
// connectors know (a paging loop) included. Never a message.
func errorKind(s pipeline.StreamReport) string {
	if errors.Is(s.Err, crmhttp.ErrPagingLoop) {
		return "paging_loop"
	}
	return s.ErrorKind()
}
