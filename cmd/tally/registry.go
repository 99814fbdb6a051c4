package main

import (
	"github.com/tally-dev/tally/connectors/bullhorn"
	"github.com/tally-dev/tally/connectors/csvfile"
	"github.com/tally-dev/tally/connectors/hubspot"
	"github.com/tally-dev/tally/connectors/marketo"
	"github.com/tally-dev/tally/connectors/pipedrive"
	"github.com/tally-dev/tally/connectors/salesforce"
	"github.com/tally-dev/tally/pipeline"
)

// newRegistry is the one explicit list of components this binary knows.
func newRegistry() *pipeline.Registry {
	r := pipeline.NewRegistry()
	r.RegisterSource(hubspot.Factory())
	r.RegisterSource(salesforce.Factory())
	r.RegisterSource(bullhorn.Factory())
	r.RegisterSource(pipedrive.Factory())
	r.RegisterSource(csvfile.Factory())
	r.RegisterSource(marketo.Factory())
	return r
}
