-- kpi_daily is range-partitioned on the day a rollup describes instead
-- of on expires_at (issue 3). A rollup's expiry is now a function of its
-- day and the KPI TTL (start of the next day + TTL, see rollup.go), so a
-- weekly day partition expires as a whole, and the natural key is a
-- valid primary key: writers upsert with INSERT ... ON CONFLICT as on
-- SQLite instead of locking and probing every expires_at partition.
--
-- Existing rows are copied, merged per key (there is one row per key
-- unless a writer raced; sums and counts add up, the latest expiry
-- wins), into one partition per week of days. They keep their
-- expires_at until their next update or `tally retention apply`.
CREATE TABLE kpi_daily_next (
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
    PRIMARY KEY (tenant, metric, day, rep, dimension, currency)
) PARTITION BY RANGE (day);
CREATE TABLE kpi_daily_next_pdefault PARTITION OF kpi_daily_next DEFAULT;

-- Weeks start on Mondays, as partition.go's partitionStart does.
DO $$
DECLARE
    monday date;
BEGIN
    FOR monday IN SELECT DISTINCT date_trunc('week', day)::date FROM kpi_daily LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF kpi_daily_next FOR VALUES FROM (%L) TO (%L)',
            'kpi_daily_next_p' || to_char(monday, 'YYYYMMDD'), monday, monday + 7);
    END LOOP;
END $$;

INSERT INTO kpi_daily_next (tenant, metric, day, rep, dimension, currency, value, n, written_at, expires_at)
SELECT tenant, metric, day, rep, dimension, currency, sum(value), sum(n), max(written_at), max(expires_at)
FROM kpi_daily
GROUP BY tenant, metric, day, rep, dimension, currency;

DROP TABLE kpi_daily;
ALTER TABLE kpi_daily_next RENAME TO kpi_daily;
ALTER INDEX kpi_daily_next_pkey RENAME TO kpi_daily_pkey;
DO $$
DECLARE
    part text;
BEGIN
    FOR part IN SELECT c.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'kpi_daily'::regclass LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', part, replace(part, 'kpi_daily_next_', 'kpi_daily_'));
    END LOOP;
END $$;
CREATE INDEX kpi_daily_expires_at ON kpi_daily (expires_at);
CREATE INDEX kpi_daily_rep ON kpi_daily (tenant, rep);
