// Package marketotest is a faithful fake of Adobe Marketo Engage's REST
// API, used by the marketo connector's tests and by `tally demo`.
//
// A Dataset generates leads and activities deterministically from a
// seed, computing each one on demand so that a million leads cost no
// memory beyond a small overlay of mutations (Touch, Delete, SetField,
// AddActivity, SetActivityField). A Server serves a Dataset the way
// Marketo does: the Identity service's client_credentials token (the
// same token until it expires), response-level errors as HTTP 200 with
// success:false and quoted codes (600/601/602 tokens, 606 rate limit,
// 607 daily quota, 615 concurrency, 1029 export queue, 1035 unsupported
// filter), the bulk lead extract job lifecycle (create, enqueue, status
// changing at most once per StatusInterval, a CSV file with literal
// null and Range/206 support, cancel with both spellings of the status),
// and activities, deleted leads and paging tokens. Every request is
// recorded.
//
// Generated leads carry names, emails, phones and companies on purpose,
// and activities carry the lead's email in an attribute: PersonalValues
// lists a sample that privacy tests search tally's outputs for.
package marketotest
