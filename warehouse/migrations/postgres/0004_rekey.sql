-- Key rotation with --rekey (issue 5). A rekeyed version is chained to
-- the version it was rekeyed from (parent): its pseudonym of a value is
-- derived from the parent's pseudonym, so rows holding only pseudonyms
-- can be rewritten. rekeyed_at is set when every row of the parent
-- version has been rewritten; until then the rekey is unfinished.
ALTER TABLE pseudonym_keys ADD COLUMN parent integer;
ALTER TABLE pseudonym_keys ADD COLUMN rekeyed_at timestamptz;
