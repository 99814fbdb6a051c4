-- Facts: one row per record pseudonym (key), minimized to the stored
-- fields of the object's schema. Person fields hold pseudonyms.
CREATE TABLE deal_facts (
    tenant     TEXT        NOT NULL,
    key        TEXT        NOT NULL,
    source     TEXT        NOT NULL,
    owner_id   TEXT,
    stage      TEXT,
    pipeline   TEXT,
    is_won     BOOLEAN,
    is_closed  BOOLEAN,
    amount     NUMERIC,
    currency   TEXT,
    close_date DATE,
    created_at DATE,
    version    TIMESTAMP   NOT NULL,
    written_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX deal_facts_expires_at ON deal_facts (expires_at);

CREATE TABLE lead_facts (
    tenant          TEXT        NOT NULL,
    key             TEXT        NOT NULL,
    source          TEXT        NOT NULL,
    owner_id        TEXT,
    lifecycle_stage TEXT,
    lead_source     TEXT,
    created_at      DATE,
    mql_at          DATE,
    version         TIMESTAMP   NOT NULL,
    written_at      TIMESTAMP   NOT NULL,
    expires_at      TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX lead_facts_expires_at ON lead_facts (expires_at);

CREATE TABLE activity_facts (
    tenant          TEXT        NOT NULL,
    key             TEXT        NOT NULL,
    source          TEXT        NOT NULL,
    owner_id        TEXT,
    type            TEXT,
    occurred_at     DATE,
    version         TIMESTAMP   NOT NULL,
    written_at      TIMESTAMP   NOT NULL,
    expires_at      TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX activity_facts_expires_at ON activity_facts (expires_at);

CREATE TABLE placement_facts (
    tenant          TEXT        NOT NULL,
    key             TEXT        NOT NULL,
    source          TEXT        NOT NULL,
    owner_id        TEXT,
    status          TEXT,
    fee             NUMERIC,
    currency        TEXT,
    start_date      DATE,
    created_at      DATE,
    version         TIMESTAMP   NOT NULL,
    written_at      TIMESTAMP   NOT NULL,
    expires_at      TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX placement_facts_expires_at ON placement_facts (expires_at);

CREATE TABLE user_facts (
    tenant     TEXT        NOT NULL,
    key        TEXT        NOT NULL,
    source     TEXT        NOT NULL,
    is_active  BOOLEAN,
    created_at DATE,
    version    TIMESTAMP   NOT NULL,
    written_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, key)
);
CREATE INDEX user_facts_expires_at ON user_facts (expires_at);

-- KPI rollups, kept equal to a GROUP BY over the facts by every write.
CREATE TABLE kpi_daily (
    tenant     TEXT        NOT NULL,
    metric     TEXT        NOT NULL,
    day        DATE        NOT NULL,
    rep        TEXT        NOT NULL DEFAULT '',
    dimension  TEXT        NOT NULL DEFAULT '',
    currency   TEXT        NOT NULL DEFAULT '',
    value      NUMERIC     NOT NULL,
    n          INTEGER     NOT NULL,
    written_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, metric, day, rep, dimension, currency)
);
CREATE INDEX kpi_daily_expires_at ON kpi_daily (expires_at);

-- Connector resume points, one per stream and partition of its topic.
CREATE TABLE sync_cursors (
    tenant     TEXT        NOT NULL,
    source     TEXT        NOT NULL,
    object     TEXT        NOT NULL,
    partition  INTEGER     NOT NULL,
    seq        INTEGER     NOT NULL,
    cursor     TEXT        NOT NULL,
    updated_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, source, object, partition)
);

-- Next offset to read per consumed partition.
CREATE TABLE consumer_offsets (
    topic       TEXT        NOT NULL,
    partition   INTEGER     NOT NULL,
    next_offset INTEGER     NOT NULL,
    updated_at  TIMESTAMP   NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- Rejected records: where they sit in the log and why, never a value.
CREATE TABLE quarantine (
    id             INTEGER     PRIMARY KEY AUTOINCREMENT,
    tenant         TEXT        NOT NULL,
    source         TEXT        NOT NULL,
    object         TEXT        NOT NULL,
    stage          TEXT        NOT NULL,
    field          TEXT        NOT NULL,
    rule           TEXT        NOT NULL,
    topic          TEXT        NOT NULL,
    partition      INTEGER     NOT NULL,
    "offset"       INTEGER     NOT NULL,
    quarantined_at TIMESTAMP   NOT NULL,
    expires_at     TIMESTAMP   NOT NULL,
    UNIQUE (topic, partition, "offset")
);
CREATE INDEX quarantine_expires_at ON quarantine (expires_at);

-- Evidence of every purge run: what it removed and the proof that no
-- expired row remained. details and policy are JSON documents.
CREATE TABLE purge_runs (
    id          INTEGER     PRIMARY KEY AUTOINCREMENT,
    started_at  TIMESTAMP   NOT NULL,
    finished_at TIMESTAMP,
    status      TEXT        NOT NULL,
    dry_run     BOOLEAN     NOT NULL,
    policy      TEXT        NOT NULL,
    details     TEXT        NOT NULL DEFAULT '{}',
    verified    BOOLEAN,
    error       TEXT        NOT NULL DEFAULT '',
    expires_at  TIMESTAMP   NOT NULL
);
CREATE INDEX purge_runs_expires_at ON purge_runs (expires_at);

-- Tenant terminations: after purge_after the next purge deletes every
-- row of the tenant; completed_at records when it did.
CREATE TABLE tenant_terminations (
    tenant        TEXT        PRIMARY KEY,
    requested_at  TIMESTAMP   NOT NULL,
    purge_after   TIMESTAMP   NOT NULL,
    completed_at  TIMESTAMP,
    rows_deleted  INTEGER     NOT NULL DEFAULT 0,
    expires_at    TIMESTAMP
);
