-- Issue 3: rollup expiry became a function of the day a rollup describes
-- (see rollup.go). On SQLite kpi_daily is already keyed by its natural
-- key, so the schema does not change; existing rows keep their
-- expires_at until their next update or `tally retention apply`. This
-- migration keeps the version numbers of both dialects aligned.
CREATE INDEX IF NOT EXISTS kpi_daily_expires_at ON kpi_daily (expires_at);
