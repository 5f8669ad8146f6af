#!/usr/bin/env bash
# Start the Debian PostgreSQL cluster (loopback port) and create the role the
# database tests use.  Prints the URL for GENMON_TEST_PG_URL on stdout.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
    pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 1
done
# The postgres superuser over the local socket (peer authentication).
runuser -u postgres -- psql -q -p "$port" -d postgres -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'genmon_test') THEN
    CREATE ROLE genmon_test LOGIN CREATEDB PASSWORD 'genmon_test';
  END IF;
END $$;
-- CREATEROLE: the tests create (and drop) a read-only partner role, as the README shows.
ALTER ROLE genmon_test CREATEDB CREATEROLE;
SQL
echo "postgresql://genmon_test:genmon_test@127.0.0.1:$port/postgres"
