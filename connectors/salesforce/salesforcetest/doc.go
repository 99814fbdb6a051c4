// Package salesforcetest is a faithful fake of the Salesforce REST API
// (query, queryAll, query locators) and its OAuth 2.0 token endpoint,
// used by the salesforce connector's tests and by `tally demo`.
//
// A Dataset generates Users, Opportunities, Leads, Tasks and Events
// deterministically from a seed, computing each record on demand (a
// record's SystemModstamp is a pure function of its index, so a sorted
// query of a million records needs no sort); tests mutate it (Touch,
// Delete, HardDelete, Merge, SetField, Create) and the mutations live in
// a small overlay. A Server parses the SOQL it is sent (SELECT list, WHERE with
// unquoted datetime literals, ORDER BY, LIMIT), answers with the
// vendor's wire format — records with "attributes", totalSize for the
// whole query, relative nextRecordsUrl locators that say /query/ even
// for queryAll, REST errors as JSON arrays, token errors as
// {error, error_description}, the Sforce-Limit-Info header — built from
// the vendor samples in testdata/, and records every request.
//
// Generated names, emails, phones, subjects and descriptions are
// personal data on purpose: PersonalValues lists a sample that privacy
// tests search tally's outputs for.
package salesforcetest
