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
// Hostile answers are survived, not trusted. Items are decoded one by
// one into untyped attributes: a nested object, a number where a string
// belongs, a NUL or an instant outside years 1–9999 goes on raw in its
// record for pipeline.Preflight and the validate stage to quarantine,
// and the rest of the page is emitted. Every listing (and each search
// window) remembers every cursor it fetched and, for search, the total
// HubSpot reported: a repeated cursor or far too many pages stops the
// pass with crmhttp.ErrPagingLoop, naming object and page. An item of an
// archived listing whose own "archived" is not true is skipped, never a
// delete, and counted in one warning per pass. Check and CheckFields
// (the properties API) prove the token and the projected properties.
//
// Register it with Factory; its fake lives in package hubspottest.
package hubspot
