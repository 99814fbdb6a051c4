-- Facts: one row per record pseudonym (key), minimized to the stored
-- fields of the object's schema. Person fields hold pseudonyms.
--
-- Fact and rollup tables are range-partitioned on expires_at so that
-- purge drops whole expired partitions. tally creates the weekly
-- partitions ahead of the writes (see partition.go); the DEFAULT
-- partition only catches rows outside them, which purge deletes in
-- batches. A partitioned table's keys must include expires_at, so the
-- primary keys are (tenant, key, expires_at): the writer keeps one row
-- per (tenant, key) by updating the row it loaded under FOR UPDATE.
CREATE TABLE deal_facts (
    tenant     text        NOT NULL,
    key        text        NOT NULL,
    source     text        NOT NULL,
    owner_id   text,
    stage      text,
    pipeline   text,
    is_won     boolean,
    is_closed  boolean,
    amount     numeric,
    currency   text,
    close_date date,
    created_at date,
    version    timestamptz NOT NULL,
    written_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, key, expires_at)
) PARTITION BY RANGE (expires_at);
CREATE INDEX deal_facts_expires_at ON deal_facts (expires_at);
CREATE TABLE deal_facts_pdefault PARTITION OF deal_facts DEFAULT;

CREATE TABLE lead_facts (
    tenant          text        NOT NULL,
    key             text        NOT NULL,
    source          text        NOT NULL,
    owner_id        text,
    lifecycle_stage text,
    lead_source     text,
    created_at      date,
    mql_at          date,
    version         timestamptz NOT NULL,
    written_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, key, expires_at)
) PARTITION BY RANGE (expires_at);
CREATE INDEX lead_facts_expires_at ON lead_facts (expires_at);
CREATE TABLE lead_facts_pdefault PARTITION OF lead_facts DEFAULT;

CREATE TABLE activity_facts (
    tenant          text        NOT NULL,
    key             text        NOT NULL,
    source          text        NOT NULL,
    owner_id        text,
    type            text,
    occurred_at     date,
    version         timestamptz NOT NULL,
    written_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, key, expires_at)
) PARTITION BY RANGE (expires_at);
CREATE INDEX activity_facts_expires_at ON activity_facts (expires_at);
CREATE TABLE activity_facts_pdefault PARTITION OF activity_facts DEFAULT;

CREATE TABLE placement_facts (
    tenant          text        NOT NULL,
    key             text        NOT NULL,
    source          text        NOT NULL,
    owner_id        text,
    status          text,
    fee             numeric,
    currency        text,
    start_date      date,
    created_at      date,
    version         timestamptz NOT NULL,
    written_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, key, expires_at)
) PARTITION BY RANGE (expires_at);
CREATE INDEX placement_facts_expires_at ON placement_facts (expires_at);
CREATE TABLE placement_facts_pdefault PARTITION OF placement_facts DEFAULT;

CREATE TABLE user_facts (
    tenant     text        NOT NULL,
    key        text        NOT NULL,
    source     text        NOT NULL,
    is_active  boolean,
    created_at date,
    version    timestamptz NOT NULL,
    written_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, key, expires_at)
) PARTITION BY RANGE (expires_at);
CREATE INDEX user_facts_expires_at ON user_facts (expires_at);
CREATE TABLE user_facts_pdefault PARTITION OF user_facts DEFAULT;

-- KPI rollups, kept equal to a GROUP BY over the facts by every write.
CREATE TABLE kpi_daily (
    tenant     text        NOT NULL,
    metric     text        NOT NULL,
    day        date        NOT NULL,
    rep        text        NOT NULL DEFAULT '',
    dimension  text        NOT NULL DEFAULT '',
    currency   text        NOT NULL DEFAULT '',
    value      numeric     NOT NULL,
    n          bigint      NOT NULL,
    written_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, metric, day, rep, dimension, currency, expires_at)
) PARTITION BY RANGE (expires_at);
CREATE INDEX kpi_daily_expires_at ON kpi_daily (expires_at);
CREATE TABLE kpi_daily_pdefault PARTITION OF kpi_daily DEFAULT;

-- Connector resume points, one per stream and partition of its topic.
CREATE TABLE sync_cursors (
    tenant     text        NOT NULL,
    source     text        NOT NULL,
    object     text        NOT NULL,
    partition  integer     NOT NULL,
    seq        bigint      NOT NULL,
    cursor     text        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, source, object, partition)
);

-- Next offset to read per consumed partition.
CREATE TABLE consumer_offsets (
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    next_offset bigint      NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- Rejected records: where they sit in the log and why, never a value.
CREATE TABLE quarantine (
    id             bigserial   PRIMARY KEY,
    tenant         text        NOT NULL,
    source         text        NOT NULL,
    object         text        NOT NULL,
    stage          text        NOT NULL,
    field          text        NOT NULL,
    rule           text        NOT NULL,
    topic          text        NOT NULL,
    partition      integer     NOT NULL,
    "offset"       bigint      NOT NULL,
    quarantined_at timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    UNIQUE (topic, partition, "offset")
);
CREATE INDEX quarantine_expires_at ON quarantine (expires_at);

-- Evidence of every purge run: what it removed and the proof that no
-- expired row remained. details and policy are JSON documents.
CREATE TABLE purge_runs (
    id          bigserial   PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    status      text        NOT NULL,
    dry_run     boolean     NOT NULL,
    policy      text        NOT NULL,
    details     text        NOT NULL DEFAULT '{}',
    verified    boolean,
    error       text        NOT NULL DEFAULT '',
    expires_at  timestamptz NOT NULL
);
CREATE INDEX purge_runs_expires_at ON purge_runs (expires_at);

-- Tenant terminations: after purge_after the next purge deletes every
-- row of the tenant; completed_at records when it did.
CREATE TABLE tenant_terminations (
    tenant        text        PRIMARY KEY,
    requested_at  timestamptz NOT NULL,
    purge_after   timestamptz NOT NULL,
    completed_at  timestamptz,
    rows_deleted  bigint      NOT NULL DEFAULT 0,
    expires_at    timestamptz
);
