// Package salesforce is tally's Salesforce connector: a pipeline.Source
// that pulls Users (canonical user), Opportunities (deal), Leads (lead)
// and Tasks and Events (activity) one way, read-only, through the REST
// query API.
//
// Open exchanges the connected app's credentials for an access token
// (OAuth 2.0 client credentials, a refresh token, or the JWT-bearer flow:
// an RS256 assertion with iss client_id, sub jwt_subject, aud the login
// host and a three-minute exp, signed by a key the connected app holds
// the certificate of); a 401 INVALID_SESSION_ID answer refreshes the
// token once (minting a new assertion in the JWT flow, which gets no
// refresh token) and replays the request. Each pass runs one SOQL queryAll per sObject, built from the
// projection of the enabled KPIs, ordered by (SystemModstamp, Id) and
// filtered from the previous pass's high-water mark; soft-deleted and
// merged-away records come back with IsDeleted true and are emitted as
// deletes. SOQL datetime literals have whole seconds, so a pass re-reads
// the mark's second and skips what it already emitted: ties at page
// boundaries lose and repeat nothing. Every page is emitted with a
// cursor, so a killed process resumes mid-pass.
//
// The daily API budget is read from the Sforce-Limit-Info header of
// every answer; a pass that would spend more than QuotaShare of the
// org's daily limit stops after its last emitted page with
// pipeline.ErrQuota, and so does a 403 REQUEST_LIMIT_EXCEEDED. Hard
// deletes (records purged from the recycle bin) leave no trace a pass
// can see: Source.ListIDs lists every current Id for the runner's
// reconcile (pipeline.Runner.Reconcile), which deletes the facts whose
// record no longer appears.
//
// Hostile answers: a page is decoded record by record, so a record of
// any shape or value is emitted with that value (a nested object or a
// number in a text field is passed on, not flattened into a string) for
// pipeline.Preflight and the validate stage to quarantine by field and
// rule, and the rest of its page goes on; only a body that is not JSON,
// or lacks a records array or a boolean done, fails its page. A record
// is a delete only when its own IsDeleted is true; one whose IsDeleted
// is not a boolean is skipped, counted and warned about once per pass.
// Every query remembers the nextRecordsUrl of each page and stops with
// crmhttp.ErrPagingLoop (naming object, sObject and page number) on a
// repeat, or when it fetched far more pages than its totalSize implies.
// CheckFields (tally check) probes each sObject's fields with a LIMIT 1
// query, and field by field when Salesforce answers INVALID_FIELD.
//
// Register it with Factory; its fake lives in package salesforcetest.
package salesforce
