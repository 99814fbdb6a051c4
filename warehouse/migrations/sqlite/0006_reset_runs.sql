-- Evidence of every confirmed `tally reset` (issue 9): which streams of
-- which connector had their stored cursors cleared, how many checkpoints,
-- by whom and when. streams is a JSON array of {object, partitions}; no
-- cursor content is kept. seq is the watermark the cleared checkpoints
-- were set to: a checkpoint committed later with a lower seq (from a run
-- that was still in flight) does not replace them. Rows expire under
-- retention.evidence and go with their tenant at termination. Like
-- purge_runs, the table is small and not partitioned.
--
-- Numbered 0006 so that it cannot clash with another 0005; Migrate
-- applies every version not yet recorded, whatever order they arrive in.
CREATE TABLE reset_runs (
    id           INTEGER     PRIMARY KEY AUTOINCREMENT,
    tenant       TEXT        NOT NULL,
    source       TEXT        NOT NULL,
    object       TEXT        NOT NULL DEFAULT '',
    streams      TEXT        NOT NULL DEFAULT '[]',
    checkpoints  INTEGER     NOT NULL,
    seq          INTEGER     NOT NULL,
    requested_by TEXT        NOT NULL,
    reset_at     TIMESTAMP   NOT NULL,
    expires_at   TIMESTAMP   NOT NULL
);
CREATE INDEX reset_runs_expires_at ON reset_runs (expires_at);
CREATE INDEX reset_runs_tenant ON reset_runs (tenant, reset_at);

-- `tally quarantine list|stats --tenant T --since S` reads newest first.
CREATE INDEX quarantine_tenant_at ON quarantine (tenant, quarantined_at);
