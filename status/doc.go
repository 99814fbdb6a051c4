// Package status assembles what an operator asks of a tally deployment
// at a glance — per stream the last sync pass, its counts, the consumer
// lag and the next scheduled pass; the quarantine by rule; the last
// purge and whether it verified; pending tenant terminations; the head
// of each tenant's erasure-receipt chain and whether it verifies; which
// `tally run` process holds which connector lease and consumes which
// partitions (lease_holders, warehouse/lease) — into one value, Status, that `tally status --json`, the admin API
// (/api/v1/status) and the status page all serve.
//
// Status holds names from the configuration (tenants, connectors,
// objects, topics), process host names and ids, counts, times, short result and error kinds and MACs; never
// a record value, an error message or a secret. A part that cannot be
// read is left unknown and named in Status.Unavailable, so one failing
// dependency never hides the rest.
package status
