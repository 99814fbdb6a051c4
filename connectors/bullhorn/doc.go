// Package bullhorn is the tally source for Bullhorn ATS/CRM: recruiters
// (CorporateUser → user) and placements (Placement → placement).
//
// Authentication follows Bullhorn's documented flow for a server
// process. With a username and no auth_url or login_url, Open first asks
// GET /rest-services/loginInfo which data center serves the user
// (following the 307 a wrong data center answers, to Bullhorn hosts
// only) and uses the oauthUrl and restUrl it names. Then the OAuth
// refresh_token grant gives an access token (Bullhorn
// refresh tokens are single-use, so the rotated one is kept in memory),
// GET /rest-services/login exchanges it for a BhRestToken and the
// corporation's restUrl, and every REST call carries the BhRestToken
// header. The session is renewed before its ttl runs out and once on a
// 401.
//
// Records are read with GET {restUrl}query/{entity}, asking only for the
// fields the projection maps to (never a candidate field), ordered by
// (dateLastModified, id) and paged by keyset inside a window
// [since, pass start): offset paging (start/count) would skip a record
// whenever an earlier one is edited mid-pass. CorporateUsers are
// soft-deleted (isDeleted) and emitted as deletes from the same window.
// Placements are hard-deleted in Bullhorn, so incremental passes end with
// a reconciliation: the ids of all placements are listed (fields=id,
// ordered by id) and compared with the id ranges the cursor remembers;
// missing ids are emitted as deletes; an id the listing cannot read
// stops the reconciliation rather than deleting a live placement.
//
// Hostile answers: items are decoded one by one and a value of any shape
// is emitted as it came (a nested object or a number in a text field is
// not flattened into a string; an epoch-ms date outside years 1–9999
// becomes a time Preflight rejects), for quarantine by field and rule;
// only a body without a data array fails its page. A user is a delete
// only when its own isDeleted is true; one whose isDeleted is not a
// boolean is skipped, counted and warned about once per pass. Each
// listing remembers its keyset positions and stops with
// crmhttp.ErrPagingLoop (naming object, entity and page number) when one
// repeats, when a page goes back in (dateLastModified, id) order, or when
// it fetched far more pages than the reported total implies. CheckFields
// (tally check) probes each entity's fields with a one-record query.
package bullhorn
