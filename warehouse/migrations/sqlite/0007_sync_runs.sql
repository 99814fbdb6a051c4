-- Evidence of every sync pass (issue 10): one row per pass and stream,
-- what it pulled, wrote, deleted and quarantined, how it ended (ok,
-- stopped, quota, outage) and the kind of error it stopped with, never
-- an error message (messages may carry values). cursor_age_seconds is
-- how old the stream's stored checkpoint was when the pass ended (NULL
-- when it had none). Rows expire under retention.evidence and go with
-- their tenant at termination. Small and not partitioned, like
-- purge_runs.
CREATE TABLE sync_runs (
    id                 INTEGER     PRIMARY KEY AUTOINCREMENT,
    tenant             TEXT        NOT NULL,
    source             TEXT        NOT NULL,
    object             TEXT        NOT NULL,
    started_at         TIMESTAMP   NOT NULL,
    ended_at           TIMESTAMP   NOT NULL,
    result             TEXT        NOT NULL,
    pulled             INTEGER     NOT NULL DEFAULT 0,
    written            INTEGER     NOT NULL DEFAULT 0,
    deleted            INTEGER     NOT NULL DEFAULT 0,
    quarantined        INTEGER     NOT NULL DEFAULT 0,
    error_kind         TEXT        NOT NULL DEFAULT '',
    cursor_age_seconds INTEGER,
    expires_at         TIMESTAMP   NOT NULL
);
CREATE INDEX sync_runs_expires_at ON sync_runs (expires_at);
CREATE INDEX sync_runs_stream ON sync_runs (tenant, source, object, id);
