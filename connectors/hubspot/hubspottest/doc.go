// Package hubspottest is a faithful fake of HubSpot's CRM v3 API, used by
// the hubspot connector's tests and by `tally demo`.
//
// A Dataset generates owners, contacts and deals deterministically from
// a seed, computing each record on demand so that a million deals cost
// no memory; tests mutate it (Touch, Archive, SetProperty, InjectDeal)
// and the mutations live in a small overlay. A Server serves a Dataset in
// the vendor's wire format — list, search and owners endpoints, opaque
// paging cursors with "paging" absent on the last page, the search result
// cap, and error and rate-limit bodies built from the vendor samples in
// testdata/ — and records every request it receives.
//
// Generated deal names and descriptions, and contact properties, contain
// personal data on purpose: PersonalValues lists a sample that privacy
// tests search tally's outputs for.
package hubspottest
