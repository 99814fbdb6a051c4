#!/usr/bin/env bash
# Prices the sink's kpi_daily rollup upsert (warehouse/stage.go) against
# the one alternative that would make it cheap: appending the deltas to a
# table without indexes and folding them into kpi_daily later, once for
# many batches (issue 12's closing note; not built, because kpi_daily
# would then equal the GROUP BY over the facts only after each fold).
#
# Run it on a database that `make bench-e2e-csv` (or benchcsv --db) has
# just loaded (default tally_bench_csv). It times, with pgbench, in
# transactions that roll back, one batch's worth of deltas (BENCH_DELTAS,
# default 1,400: what a 1,000-deal batch of the CSV benchmark makes):
#   upsert-existing  INSERT … ON CONFLICT DO UPDATE onto rollups that exist
#   upsert-new       the same onto new rollups
#   append           INSERT into an index-less copy of kpi_daily
# and prints how many deltas the load wrote (sum of n: every delta of a
# first load counts one) against how many rollup rows they made, the
# factor by which folding many batches at once would cut the upserts.
# Leaves the database as it found it.
set -euo pipefail
base="${TALLY_PG_DSN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
db="${BENCH_DB:-tally_bench_csv}"
n="${BENCH_DELTAS:-1400}"
dsn="${base%/*}/$db?sslmode=disable"
export PGOPTIONS="-c client_min_messages=warning"
keys="tenant, metric, day, rep, dimension, currency"
trap 'psql "$dsn" -qc "DROP TABLE IF EXISTS bench_kpi_old, bench_kpi_new, bench_kpi_pending"' EXIT
psql "$dsn" -q -v ON_ERROR_STOP=1 <<SQL
DROP TABLE IF EXISTS bench_kpi_old, bench_kpi_new, bench_kpi_pending;
CREATE UNLOGGED TABLE bench_kpi_old AS
  SELECT $keys, 1::numeric AS value, 1::bigint AS n, now() AS written_at, expires_at
  FROM kpi_daily ORDER BY random() LIMIT $n;
CREATE UNLOGGED TABLE bench_kpi_new AS
  SELECT DISTINCT ON ($keys) tenant, metric, day, 'bench-new-' || md5(random()::text) AS rep, dimension,
    currency, 1::numeric AS value, 1::bigint AS n, now() AS written_at, expires_at
  FROM (SELECT * FROM kpi_daily ORDER BY random() LIMIT $n) AS s;
CREATE UNLOGGED TABLE bench_kpi_pending (LIKE kpi_daily);
ANALYZE bench_kpi_old, bench_kpi_new;
SQL
upsert() {
  cat <<SQL
BEGIN;
INSERT INTO kpi_daily ($keys, value, n, written_at, expires_at)
  SELECT $keys, value, n, written_at, expires_at FROM $1 ORDER BY $keys
  ON CONFLICT ($keys) DO UPDATE SET value = kpi_daily.value + excluded.value, n = kpi_daily.n + excluded.n,
  written_at = excluded.written_at, expires_at = excluded.expires_at;
ROLLBACK;
SQL
}
dir=$(mktemp -d)
upsert bench_kpi_old > "$dir/upsert-existing.sql"
upsert bench_kpi_new > "$dir/upsert-new.sql"
printf 'BEGIN;\nINSERT INTO bench_kpi_pending SELECT * FROM bench_kpi_new;\nROLLBACK;\n' > "$dir/append.sql"
for round in 1 2 3; do
  for form in upsert-existing upsert-new append; do
    ms=$(pgbench "$dsn" -n -f "$dir/$form.sql" -t "${BENCH_TX:-20}" 2>/dev/null | awk '/latency average/ {print $4}')
    echo "round $round: $form: $ms ms per $n deltas"
  done
done
rm -rf "$dir"
psql "$dsn" -tAc "SELECT 'deltas written ' || sum(n) || ', rollup rows ' || count(*) ||
  ', deltas per row ' || round(sum(n)::numeric / greatest(count(*), 1), 2) FROM kpi_daily"
