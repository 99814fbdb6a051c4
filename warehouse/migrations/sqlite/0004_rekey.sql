-- Key rotation with --rekey (issue 5); see the PostgreSQL migration.
ALTER TABLE pseudonym_keys ADD COLUMN parent INTEGER;
ALTER TABLE pseudonym_keys ADD COLUMN rekeyed_at TIMESTAMP;
