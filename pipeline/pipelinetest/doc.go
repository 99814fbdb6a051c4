// Package pipelinetest is the conformance suite every tally source runs
// against its fake server: a full pass, resume from every cursor,
// incremental changes and deletes, cancelation, a 429/5xx storm, a
// malformed record, and the read-only allow-list.
//
// A connector's test provides a Harness; Run does the rest.
package pipelinetest
