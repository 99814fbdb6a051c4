// Package connectors is the home of tally's CRM connectors, one package
// per vendor (hubspot, …), each implementing pipeline.Source and exposing
// a Factory for the wiring in cmd/tally. Shared HTTP concerns — the
// read-only allow-list, retries, rate limits and the mapping of HTTP
// statuses to error kinds — live in crmhttp. Each vendor package has a
// <vendor>test sibling holding a faithful fake of the vendor's API, used
// by tests and by `tally demo`.
//
// Connectors pull one way: they never write to a CRM, and they request
// only the fields a KPI or declared purpose needs.
package connectors
