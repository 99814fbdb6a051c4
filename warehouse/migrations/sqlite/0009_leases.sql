-- Connector leases (issue 13). On SQLite a single process writes the
-- warehouse (the writer lock), so leases are granted without these
-- tables; they exist so that both dialects share one schema and
-- `tally leases` reads an empty list.
CREATE TABLE leases (
    tenant      text    NOT NULL,
    connector   text    NOT NULL,
    holder      text    NOT NULL,
    token       integer NOT NULL,
    acquired_at text    NOT NULL,
    expires_at  text    NOT NULL,
    wanted_by   text    NOT NULL DEFAULT '',
    wanted_at   text,
    PRIMARY KEY (tenant, connector)
);

CREATE TABLE lease_holders (
    holder       text    PRIMARY KEY,
    host         text    NOT NULL,
    pid          integer NOT NULL,
    started_at   text    NOT NULL,
    heartbeat_at text    NOT NULL
);
