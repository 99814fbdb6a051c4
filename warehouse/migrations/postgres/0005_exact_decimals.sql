-- Issue 9: amounts and KPI values are exact decimals. PostgreSQL's
-- numeric already is one; tally now binds values as exact decimal text
-- instead of float64, so the columns do not change. This migration keeps
-- the version numbers of both dialects aligned (see the SQLite one) and
-- documents the contract on the columns.
COMMENT ON COLUMN kpi_daily.value IS 'Exact sum of the KPI measure (or count) over the facts of the row''s key; equals the GROUP BY over the facts.';
COMMENT ON COLUMN deal_facts.amount IS 'Exact decimal as the CRM sent it.';
COMMENT ON COLUMN placement_facts.fee IS 'Exact decimal as the CRM sent it.';
