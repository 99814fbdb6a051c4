package pipeline

import (
	"context"
	"errors"
	"time"
)

// RequestObserver is told about every HTTP attempt a connector makes to
// its CRM (see SourceEnv.Requests). It receives no URL, query, body or
// token: only what metrics may carry. Implementations must be safe for
// concurrent use and fast (they run on the request path).
type RequestObserver interface {
	// Attempt is one request sent; status is the HTTP status code, 0
	// when no answer came (connection error, timeout).
	Attempt(status int)
	// Retry is a wait before the next attempt; rateLimited is set when
	// the CRM asked for it (429).
	Retry(wait time.Duration, rateLimited bool)
	// Refused is a request the read-only guard kept from leaving the
	// process (ErrForbidden).
	Refused()
}

// ErrorKind names the kind of a pass's error for metrics and evidence:
// quota, forbidden, configuration, outage, transient, timeout,
// canceled, invalid or other; "" for nil. It never carries a value.
func ErrorKind(err error) string {
	var oe *OutageError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrQuota):
		return "quota"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	case errors.Is(err, ErrConfig):
		return "configuration"
	case errors.As(err, &oe):
		return "outage"
	case errors.Is(err, ErrTransient):
		return "transient"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, ErrInvalid):
		return "invalid"
	}
	return "other"
}

// Outage reports whether dependency ("warehouse" or "kafka") is in an
// outage that the runner is riding out, and since when. For "kafka" a
// stopped consumer counts too. Safe to call at any time.
func (r *Runner) Outage(dependency string) (since time.Time, down bool) {
	var o *outage
	switch dependency {
	case "warehouse":
		o = &r.out.warehouse
	case "kafka":
		o = &r.out.kafka
		r.out.mu.Lock()
		since = r.out.downSince
		r.out.mu.Unlock()
	default:
		return time.Time{}, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failing > 0 && (since.IsZero() || o.since.Before(since)) {
		since = o.since
	}
	return since, !since.IsZero()
}
