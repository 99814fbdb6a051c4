// Package hubspot is tally's HubSpot CRM v3 connector: a pipeline.Source
// that pulls owners (canonical user), deals (deal) and contacts (lead)
// one way, read-only, into the pipeline.
//
// It requests only the HubSpot properties that the projection of the
// enabled KPIs maps to, and puts only projected canonical fields in the
// records it emits. The first pass of an object lists everything; later
// passes search for records modified since the previous pass (slicing
// time windows to stay under HubSpot's 10,000-result search cap), and
// every pass lists archived records to emit deletes. Owners cannot be
// searched and are listed in full each pass. Every page is emitted with a
// cursor, so a killed process resumes mid-pass.
//
// Register it with Factory; its fake lives in package hubspottest.
package hubspot
