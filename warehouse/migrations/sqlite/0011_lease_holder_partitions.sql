-- The operator's view of a fleet (issue 13); see the PostgreSQL
-- migration. On SQLite one process runs and its status shows its own
-- assignment from memory; the columns keep both dialects' schema alike.
ALTER TABLE lease_holders ADD COLUMN consumer_generation integer;
ALTER TABLE lease_holders ADD COLUMN partitions text NOT NULL DEFAULT '';
ALTER TABLE lease_holders ADD COLUMN partitions_at text;
