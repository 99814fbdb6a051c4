// Package pipedrivetest is a faithful fake of the Pipedrive API parts the
// pipedrive connector reads, used by its tests and by `tally demo`.
//
// A Dataset generates users and deals deterministically from a seed,
// computing each deal on demand so that a million deals cost no memory;
// tests mutate it (Touch, Delete, Archive, SetField, InjectDeal) and the
// mutations live in a small overlay. A Server serves a Dataset in the
// vendor's wire format: GET /api/v2/deals and /api/v2/deals/archived with
// the v2 cursor envelope (next_cursor null at the end), updated_since in
// RFC 3339 and status=deleted, and GET /v1/users. It checks the
// x-api-token header (or api_token query parameter), sends the
// x-ratelimit-* headers on every answer, answers 429 over the burst
// limit, injects 5xx answers on request, and records every request.
//
// Generated deal titles and user names and emails are personal data on
// purpose: PersonalValues lists a sample that privacy tests search
// tally's outputs for.
package pipedrivetest
