-- kpi_daily's expires_at index becomes a BRIN index (issue 12). Rollup
-- rows are about one per fact in a first load, so every batch inserts
-- about as many new rollups as facts, spread over the weekly day
-- partitions, and each one added an entry to a btree of expires_at read
-- only by purge: ~10% of PostgreSQL's CPU per record. A BRIN index
-- keeps one min/max summary per 32 pages (about 1,000 rollups), which an insert updates only
-- when it widens it (pages appended since the last summary are not
-- summarized at all until purge summarizes them, holdingExpired).
--
-- Purge answers expires_at < cutoff from it (a bitmap scan reading the
-- summaries and the pages of the ranges that match, planned with
-- enable_seqscan off) and finds the oldest expiry left by widening that
-- bound (oldestBelow), since BRIN cannot answer min(). kpi_daily's
-- partitions are by day and a rollup expires a TTL after its day, so a
-- partition's summaries span about a week of expiries and only the
-- partitions that reach below the cutoff are read.
DROP INDEX kpi_daily_expires_at;
CREATE INDEX kpi_daily_expires_at ON kpi_daily USING brin (expires_at) WITH (pages_per_range = 32);
