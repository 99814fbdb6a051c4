package crmhttp

import (
	"errors"
	"net/http"

	"github.com/tally-dev/tally/pipeline"
)

// Observer is told about every attempt, retry wait and guard refusal of
// a Client (Options.Observer); it sees status codes and waits, never a
// URL, query, body or token. Connectors pass pipeline.SourceEnv.Requests.
type Observer = pipeline.RequestObserver

// observed is the transport above the Guard that reports each attempt
// (and each redirect hop) to an Observer.
type observed struct {
	obs  Observer
	next http.RoundTripper
}

func (o *observed) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.next.RoundTrip(req)
	var ref *RefusedError
	switch {
	case errors.As(err, &ref):
		o.obs.Refused()
	case err != nil:
		o.obs.Attempt(0)
	default:
		o.obs.Attempt(resp.StatusCode)
	}
	return resp, err
}

// observe wraps next when obs is set.
func observe(obs Observer, next http.RoundTripper) http.RoundTripper {
	if obs == nil {
		return next
	}
	return &observed{obs: obs, next: next}
}
