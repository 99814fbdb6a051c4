-- Issue 9: amounts and KPI values are exact decimals. SQLite's NUMERIC
-- affinity stored them as binary floats (0.1 became 0.1000000000000000055…
-- and sums drifted from the facts); they are now TEXT holding canonical
-- decimal text, added and summed exactly by the decimal_add and
-- decimal_sum functions tally registers on its connections
-- (sqlite_decimal.go). The tables are rebuilt so their columns keep their
-- order; existing values are converted by decimal_text (a float by its
-- shortest form).
CREATE TABLE deal_facts_0005 (
    tenant     TEXT        NOT NULL,
    key        TEXT        NOT NULL,
    source     TEXT        NOT NULL,
    owner_id   TEXT,
    stage      TEXT,
    pipeline   TEXT,
    is_won     BOOLEAN,
    is_closed  BOOLEAN,
    amount     TEXT,
    currency   TEXT,
    close_date DATE,
    created_at DATE,
    version    TIMESTAMP   NOT NULL,
    written_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, key)
);
INSERT INTO deal_facts_0005 (tenant, key, source, owner_id, stage, pipeline, is_won, is_closed, amount, currency, close_date, created_at, version, written_at, expires_at)
SELECT tenant, key, source, owner_id, stage, pipeline, is_won, is_closed, decimal_text(amount), currency, close_date, created_at, version, written_at, expires_at FROM deal_facts;
DROP TABLE deal_facts;
ALTER TABLE deal_facts_0005 RENAME TO deal_facts;
CREATE INDEX deal_facts_expires_at ON deal_facts (expires_at);
CREATE INDEX deal_facts_owner ON deal_facts (tenant, owner_id);

CREATE TABLE placement_facts_0005 (
    tenant          TEXT        NOT NULL,
    key             TEXT        NOT NULL,
    source          TEXT        NOT NULL,
    owner_id        TEXT,
    status          TEXT,
    fee             TEXT,
    currency        TEXT,
    start_date      DATE,
    created_at      DATE,
    version         TIMESTAMP   NOT NULL,
    written_at      TIMESTAMP   NOT NULL,
    expires_at      TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, key)
);
INSERT INTO placement_facts_0005 (tenant, key, source, owner_id, status, fee, currency, start_date, created_at, version, written_at, expires_at)
SELECT tenant, key, source, owner_id, status, decimal_text(fee), currency, start_date, created_at, version, written_at, expires_at FROM placement_facts;
DROP TABLE placement_facts;
ALTER TABLE placement_facts_0005 RENAME TO placement_facts;
CREATE INDEX placement_facts_expires_at ON placement_facts (expires_at);
CREATE INDEX placement_facts_owner ON placement_facts (tenant, owner_id);

CREATE TABLE kpi_daily_0005 (
    tenant     TEXT        NOT NULL,
    metric     TEXT        NOT NULL,
    day        DATE        NOT NULL,
    rep        TEXT        NOT NULL DEFAULT '',
    dimension  TEXT        NOT NULL DEFAULT '',
    currency   TEXT        NOT NULL DEFAULT '',
    value      TEXT        NOT NULL,
    n          INTEGER     NOT NULL,
    written_at TIMESTAMP   NOT NULL,
    expires_at TIMESTAMP   NOT NULL,
    PRIMARY KEY (tenant, metric, day, rep, dimension, currency)
);
INSERT INTO kpi_daily_0005 (tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at)
SELECT tenant, metric, day, rep, dimension, currency, decimal_text(value), n, written_at, expires_at FROM kpi_daily;
DROP TABLE kpi_daily;
ALTER TABLE kpi_daily_0005 RENAME TO kpi_daily;
CREATE INDEX kpi_daily_expires_at ON kpi_daily (expires_at);
CREATE INDEX kpi_daily_rep ON kpi_daily (tenant, rep);
