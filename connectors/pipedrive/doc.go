// Package pipedrive is tally's Pipedrive connector: a pipeline.Source
// that pulls users (canonical user), deals (deal) and activities
// (activity) one way, read-only, into the pipeline.
//
// Deals come from API v2 (GET /api/v2/deals; the v1 deal listing is out
// of support), paged by the opaque next_cursor, which is null on the last
// page. A pass lists live deals, then deals deleted in the last 30 days
// (status=deleted) and archived deals (GET /api/v2/deals/archived), the
// latter two emitted as deletes. The first pass lists everything; later
// passes ask only for deals updated since the previous pass started,
// minus a lag (updated_since, RFC 3339, whole seconds). Users come from
// GET /v1/users, which is not paged, in full each pass. Every page is
// emitted with a cursor, so a killed process resumes mid-pass.
//
// Activities come from GET /api/v2/activities, paged and filtered by
// updated_since the same way, as one phase: owner_id, type and
// occurred_at (due_date, else add_time), versioned by update_time. The
// v2 listing has no deleted filter; an item it returns with is_deleted
// true is emitted as a delete, but if Pipedrive leaves deleted
// activities out of the listing, their deletes are not seen (the
// warehouse keeps the fact until it expires).
//
// A 429 answer that BudgetSpent calls a spent daily token budget is not
// retried: the pass stops with pipeline.ErrQuota after its last emitted
// page, and the next pass resumes from that page's cursor.
//
// API v2 has no field selection for a deal's standard fields, so the
// connector decodes only the fields the projection maps to: a deal's
// title, person and organization, and an activity's subject, note,
// public description, location, participants and attendees never leave
// the response decoder. The
// API token travels in the x-api-token header, added below the read-only
// guard; 429 answers are retried after the x-ratelimit-reset the server
// names.
//
// Hostile answers are survived, not trusted. Items are decoded one by
// one into untyped fields: a value of the wrong JSON type (a nested
// object, a number where text belongs) goes on raw in its record for the
// validate stage to quarantine, and the rest of the page is emitted.
// Every listing phase remembers every cursor it fetched; a repeat stops
// the pass with crmhttp.ErrPagingLoop, naming listing and page. A deal
// of the status=deleted listing is a delete only if it says is_deleted
// or status deleted itself, one of the archived listing only if it says
// is_archived; others are skipped and counted in one warning per pass.
// CheckFields samples one record per object to verify the fields read.
//
// Register it with Factory; its fake lives in package pipedrivetest.
package pipedrive
