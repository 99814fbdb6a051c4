-- Evidence of every sync pass (issue 10): one row per pass and stream,
-- what it pulled, wrote, deleted and quarantined, how it ended (ok,
-- stopped, quota, outage) and the kind of error it stopped with, never
-- an error message (messages may carry values). cursor_age_seconds is
-- how old the stream's stored checkpoint was when the pass ended (NULL
-- when it had none). Rows expire under retention.evidence and go with
-- their tenant at termination. Small and not partitioned, like
-- purge_runs.
CREATE TABLE sync_runs (
    id                 bigserial   PRIMARY KEY,
    tenant             text        NOT NULL,
    source             text        NOT NULL,
    object             text        NOT NULL,
    started_at         timestamptz NOT NULL,
    ended_at           timestamptz NOT NULL,
    result             text        NOT NULL,
    pulled             bigint      NOT NULL DEFAULT 0,
    written            bigint      NOT NULL DEFAULT 0,
    deleted            bigint      NOT NULL DEFAULT 0,
    quarantined        bigint      NOT NULL DEFAULT 0,
    error_kind         text        NOT NULL DEFAULT '',
    cursor_age_seconds bigint,
    expires_at         timestamptz NOT NULL
);
CREATE INDEX sync_runs_expires_at ON sync_runs (expires_at);
CREATE INDEX sync_runs_stream ON sync_runs (tenant, source, object, id);
