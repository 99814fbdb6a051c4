// Package pipedrivetest is a faithful fake of the Pipedrive API parts the
// pipedrive connector reads, used by its tests and by `tally demo`.
//
// A Dataset generates users, deals and activities deterministically from
// a seed, computing each record on demand so that a million deals cost no
// memory; tests mutate it (Touch, Delete, Archive, SetField, InjectDeal,
// TouchActivity, DeleteActivity, SetActivityField) and the mutations live
// in a small overlay. A Server serves a Dataset in the vendor's wire
// format: GET /api/v2/deals and /api/v2/deals/archived with the v2 cursor
// envelope (next_cursor null at the end), updated_since in RFC 3339 and
// status=deleted; GET /api/v2/activities with the same envelope, shaped
// like the ActivityItem model of the official client (subject, note,
// public_description, location, participants and attendees included);
// and GET /v1/users. It checks the x-api-token header (or api_token query
// parameter), sends the x-ratelimit-* headers on every answer, answers
// 429 over the burst limit and over the daily token budget, injects 5xx
// answers on request, and records every request.
//
// Two behaviours are modelled, not confirmed by Pipedrive's docs: the v2
// activity listing has no deleted filter (unlike deals' status=deleted),
// so whether it lists soft-deleted activities with is_deleted true is
// unknown; the fake does by default (HideDeletedActivities turns it off).
// And the docs show the body of a 429 only truncated and name no header
// for the daily token budget; the fake answers a spent budget with 429
// and the error DailyBudgetMessage, and a burst with "Request over limit"
// and x-ratelimit-remaining 0.
//
// Generated deal titles, activity subjects and notes, and user names and
// emails are personal data on purpose: PersonalValues lists a sample that
// privacy tests search tally's outputs for.
package pipedrivetest
