-- PostgreSQL's 0012 turns kpi_daily's expires_at btree into a BRIN
-- index. SQLite has no BRIN and its kpi_daily is not partitioned: it
-- keeps its btree, which purge reads as before. This migration keeps the
-- versions of both dialects in step.
SELECT 1;
