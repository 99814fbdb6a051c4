// Package schemas holds tally's canonical objects and KPI definitions,
// embedded in the binary.
//
// Every field of every canonical object is classified (see Class). The
// class decides what may happen to a value: identifiers and person
// references are stored only as pseudonyms, contact PII, free text and
// secrets are never stored, measures, dimensions and times are stored
// (times generalized to the granularity the schema names). A field that
// is not in a schema is unclassified and dropped.
//
// KPIs name the fields they use; the set of fields pulled from a CRM is
// computed from the enabled KPIs (Projection), so a field no KPI needs is
// never requested.
package schemas
