#!/usr/bin/env bash
# Applies every script in sql/ in name order to one database. Every script is idempotent,
# so this runs on every deploy and before every test run.
#   sql/apply.sh "host=127.0.0.1 port=5432 dbname=omni2 user=omni2"   (or a postgres:// URL)
# Without an argument it uses libpq's environment, e.g. inside the postgres image's initdb hook.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-dbname=${POSTGRES_DB:-${PGDATABASE:-omni2}}}"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
for script in "$here"/[0-9][0-9][0-9]_*.sql; do
  psql "$target" -X -q -v ON_ERROR_STOP=1 -f "$script"
done
