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
// missing ids are emitted as deletes.
package bullhorn
