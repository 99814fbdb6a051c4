// Package crmhttptest holds the pieces the fake CRM servers of the
// connectors (hubspottest, salesforcetest, pipedrivetest, bullhorntest,
// marketotest) share: a deterministic per-record random stream, a capped
// request log, and fault-injection helpers (every-n-th failure, a rolling
// rate-limit window).
//
// It is an ordinary package, not a _test one, and imports no testing
// package, so the demo (cmd/tally) can serve generated data with the
// fakes. Nothing here knows a vendor's wire format; each fake keeps its
// own bodies, headers and status codes.
package crmhttptest
