// Package lease spreads the connectors of several `tally run` processes
// sharing one PostgreSQL warehouse: each (tenant, connector) binding is
// pulled by the one process holding its lease, a row of the leases table
// with a holder, an expiry renewed by the holder's heartbeat and a
// fencing token that grows at every takeover.
//
// A Manager implements pipeline.Leaser. Every third of the TTL it
// renews its leases and its heartbeat row, hands over the leases above
// its fair share (⌈bindings / live processes⌉, live meaning a heartbeat
// younger than the TTL) and those a reconcile elsewhere asked for, and
// takes free or expired leases up to its share. A process that dies or
// cannot reach the database keeps its leases at most one TTL in the
// table; it gives them up locally before that. A checkpoint emitted
// under a lost lease carries an old token, which the warehouse refuses
// inside the batch transaction (warehouse/fence.go).
//
// On SQLite one process writes the warehouse (the writer lock), so every
// lease is granted at once with token 0, which the sink does not check.
package lease
