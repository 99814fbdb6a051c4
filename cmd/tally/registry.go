package main

import (
	"github.com/tally-dev/tally/connectors/bullhorn"
	"github.com/tally-dev/tally/connectors/hubspot"
	"github.com/tally-dev/tally/pipeline"
)

// newRegistry is the one explicit list of components this binary knows.
func newRegistry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	r.RegisterSource(hubspot.Factory())
	r.RegisterSource(bullhorn.Factory())
	return r
}
