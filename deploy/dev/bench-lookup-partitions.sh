#!/usr/bin/env bash
# Prices the sink's stored-fact lookup (SELECT … FOR UPDATE of a batch's
# 1,000 keys, warehouse/write.go) against how many expires_at partitions
# a fact table has: a fresh warehouse has a handful; one that has run for
# a year under the default 400-day facts TTL about 16 four-week ones
# (about 60 with the weekly partitions tally made before).
# 1M facts with random pseudonym-like keys, spread over each count of
# partitions in BENCH_PARTITIONS (default "60 16 6"); each transaction looks up 1,000 keys that do not exist (a
# first load), the way the sink sends them. Prints pgbench's average
# latency per transaction (one batch). Needs psql and pgbench; uses its
# own database (default tally_bench_lookup), dropped at the end.
set -euo pipefail
base="${TALLY_PG_DSN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
db="${BENCH_DB:-tally_bench_lookup}"
parts="${BENCH_PARTITIONS:-60 16 6}"
admin="${base%/*}/postgres?sslmode=disable"
dsn="${base%/*}/$db?sslmode=disable"
psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
for n in $parts; do
  days=$(((420 + n - 1) / n))
  psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE f$n (tenant text NOT NULL, key text NOT NULL, amount numeric, expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant, key, expires_at)) PARTITION BY RANGE (expires_at);
SELECT format('CREATE TABLE f${n}_%s PARTITION OF f$n FOR VALUES FROM (%L) TO (%L)', i,
  timestamptz '2026-01-05' + i * interval '$days days', timestamptz '2026-01-05' + (i + 1) * interval '$days days')
  FROM generate_series(0, $n - 1) AS i \gexec
INSERT INTO f$n SELECT 't', 'k1_' || md5(g::text), g, timestamptz '2026-01-05' + (g % 420) * interval '1 day'
  FROM generate_series(1, 1000000) AS g;
VACUUM ANALYZE f$n;
SQL
done
script() { # $1 table, $2 key predicate
  cat <<SQL
\set off random(2000000, 900000000)
BEGIN;
SELECT count(*) FROM (SELECT key FROM $1 WHERE tenant = 't' AND $2 ORDER BY key FOR UPDATE) AS s;
COMMIT;
SQL
}
keys="(SELECT string_agg('k1_' || md5((g + :off)::text), chr(31)) FROM generate_series(1, 1000) AS g)"
array="key = ANY(ARRAY(SELECT 'k1_' || md5((g + :off)::text) FROM generate_series(1, 1000) AS g))"
split="key = ANY((SELECT string_to_array($keys, chr(31)))::text[])"
dir=$(mktemp -d)
for round in 1 2 3; do
  for n in $parts; do
    for form in array split; do
      script "f$n" "${!form}" > "$dir/q.sql"
      ms=$(pgbench "$dsn" -n -f "$dir/q.sql" -t "${BENCH_TX:-30}" 2>/dev/null | awk '/latency average/ {print $4}')
      echo "round $round: $n partitions, keys as $form: $ms ms per 1,000-key lookup"
    done
  done
done
rm -rf "$dir"
