package pipeline

import (
	"context"
	"errors"
	"time"
)

// Results of a stream's pass, as StreamReport.Result names them.
const (
	ResultOK      = "ok"      // the pass completed
	ResultStopped = "stopped" // the pass stopped on an error
	ResultQuota   = "quota"   // the source's request budget ran out (resumes next run)
	ResultOutage  = "outage"  // the warehouse or the log stayed unreachable
)

// Result names how the stream's pass ended: ResultOK, ResultQuota,
// ResultOutage or ResultStopped.
func (s StreamReport) Result() string {
	var oe *OutageError
	switch {
	case s.Err == nil:
		return ResultOK
	case errors.Is(s.Err, ErrQuota):
		return ResultQuota
	case errors.As(s.Err, &oe):
		return ResultOutage
	}
	return ResultStopped
}

// ErrorKind names the kind of the error a stream's pass stopped with,
// never its message: "" when it completed, else "quota", "outage",
// "config", "transient", "forbidden", "canceled", "timeout" or "other".
// Callers that know more kinds (a connector's paging loop) check those
// first.
func (s StreamReport) ErrorKind() string {
	var oe *OutageError
	switch err := s.Err; {
	case err == nil:
		return ""
	case errors.Is(err, ErrQuota):
		return "quota"
	case errors.As(err, &oe):
		return "outage"
	case errors.Is(err, ErrConfig):
		return "config"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrTransient):
		return "transient"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "other"
}

// onPass hands a pass's report, bounded by started and now, to OnPass.
func (r *Runner) onPass(ctx context.Context, rep PassReport, started time.Time) {
	if r.OnPass == nil {
		return
	}
	rep.Started, rep.Ended = started, time.Now()
	r.OnPass(ctx, rep)
}

// Outages reports which dependencies ("warehouse", "kafka") are in an
// outage right now: at least one caller is retrying them.
func (r *Runner) Outages() []string {
	var out []string
	for _, o := range []*outage{&r.out.warehouse, &r.out.kafka} {
		o.mu.Lock()
		if o.failing > 0 {
			out = append(out, o.what)
		}
		o.mu.Unlock()
	}
	return out
}
