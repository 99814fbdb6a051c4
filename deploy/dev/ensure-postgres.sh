#!/usr/bin/env bash
# Makes PostgreSQL reachable on 127.0.0.1:5432 for tally's integration
# tests, with the database tally_test.
#   --if-installed  start it if it is installed but stopped (default)
#   --install       also install it from Debian's packages if missing
# The tests read TALLY_PG_DSN (default in the Makefile); without a
# reachable server they skip, unless CI=true, where they fail.
set -euo pipefail
mode=${1:---if-installed}
host=127.0.0.1
port=5432

ready() { pg_isready -h "$host" -p "$port" -q 2>/dev/null; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v pg_isready >/dev/null 2>&1 || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  if [ "$mode" != --install ]; then
    echo "ensure-postgres: PostgreSQL is not installed; integration tests will skip (run deploy/dev/ensure-postgres.sh --install)"
    exit 0
  fi
  echo "ensure-postgres: installing PostgreSQL from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  # A throwaway test machine: trust local TCP connections, as the
  # machine images tally is developed on do.
  hba=/etc/postgresql/$ver/main/pg_hba.conf
  as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
fi

if ! ready; then
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  echo "ensure-postgres: starting PostgreSQL $ver"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
if ! ready; then
  echo "ensure-postgres: PostgreSQL did not become ready on $host:$port" >&2
  exit 1
fi
if ! psql -h "$host" -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='tally_test'" postgres | grep -q 1; then
  psql -h "$host" -p "$port" -U postgres -qc "CREATE DATABASE tally_test" postgres
fi
echo "ensure-postgres: ready at $host:$port (database tally_test)"
