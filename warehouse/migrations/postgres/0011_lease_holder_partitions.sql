-- The operator's view of a fleet (issue 13): each `tally run` process
-- records with its heartbeat the consumer-group partitions it reads, so
-- that `tally status` of any process shows which process consumes which
-- partitions. partitions is JSON, [{"topic": …, "partitions": [0, 1]}],
-- topic names only (no record value); '' before the first assignment.
-- consumer_generation is the group generation it belongs to, NULL while
-- the process is not a member (starting, rebalancing). The row and so the
-- assignment go with the holder (deleted at its stop, ignored once its
-- heartbeat is older than the lease TTL).
ALTER TABLE lease_holders ADD COLUMN consumer_generation bigint;
ALTER TABLE lease_holders ADD COLUMN partitions text NOT NULL DEFAULT '';
ALTER TABLE lease_holders ADD COLUMN partitions_at timestamptz;
