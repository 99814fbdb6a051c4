// Package crmhttp is the HTTP client every tally connector talks to its
// CRM through. It is read-only by construction: a Guard refuses, before
// anything leaves the process, any request whose method and path are not
// on the connector's allow-list. On top of the guard it retries transient
// failures (connection errors, 5xx, 429) with jittered exponential
// backoff via go-retryablehttp, honours Retry-After and vendor rate-limit
// headers through a hook, stops on quota exhaustion, and maps HTTP
// statuses to the error kinds of package pipeline in one place.
//
// Nothing this package logs or returns contains a token, a query string,
// a request or response body, or a path segment that may be a record id.
package crmhttp
