-- Connector leases (issue 13): each (tenant, connector) binding is pulled
-- by at most one `tally run` process at a time. A lease row is never
-- deleted, so token only grows: every takeover increments it, and the
-- sink refuses a checkpoint whose lease token is not the current one
-- (the fencing check in the batch transaction, warehouse/fence.go).
-- expires_at is renewed by the holder's heartbeat; a released lease has
-- expires_at in the past. Times come from the database's clock only.
CREATE TABLE leases (
    tenant      text        NOT NULL,
    connector   text        NOT NULL,
    holder      text        NOT NULL,
    token       bigint      NOT NULL,
    acquired_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    -- A process that must run this binding (tally reconcile) asks for
    -- the lease; the holder hands it over after its current pass.
    wanted_by   text        NOT NULL DEFAULT '',
    wanted_at   timestamptz,
    PRIMARY KEY (tenant, connector)
);

-- Live processes: one row per `tally run` process, heartbeat renewed with
-- its leases. The fair share of a process is ceil(bindings / processes
-- whose heartbeat is younger than the lease TTL). No personal data: host
-- name, pid and start time of the process.
CREATE TABLE lease_holders (
    holder       text        PRIMARY KEY,
    host         text        NOT NULL,
    pid          bigint      NOT NULL,
    started_at   timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL
);
