// Package bullhorntest is a faithful fake of Bullhorn's REST API, used by
// the bullhorn connector's tests and by `tally demo`.
//
// A Dataset generates CorporateUsers (recruiters) and Placements
// deterministically from a seed, computing each record on demand so that
// a million placements cost no memory beyond a sorted index; tests mutate
// it (Touch, Delete, SetField, InjectPlacement) and the mutations live in
// a small overlay. A Server serves a Dataset the way Bullhorn does: the
// OAuth refresh_token grant with single-use refresh tokens, the REST
// login returning BhRestToken and a per-corporation restUrl, 412 without
// a session and 401 with an expired one, query/{entity} with a JPQL-like
// where clause, fields with nested association selection, orderBy,
// start/count paging, epoch-millisecond dates, and rate-limit and server
// errors. Every request is recorded.
//
// Generated placements carry the candidate's name and comments naming
// them on purpose: PersonalValues lists a sample that privacy tests
// search tally's outputs for.
package bullhorntest
