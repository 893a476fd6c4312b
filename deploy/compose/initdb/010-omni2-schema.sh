#!/usr/bin/env bash
# The postgres image runs this once, on an empty data directory (/docker-entrypoint-initdb.d, in name
# order): it applies sql/ (mounted read-only at /omni2/sql) through sql/apply.sh, so the scripts run exactly
# once, in order, with the same command as every other deploy. Only this folder is mounted as the initdb
# folder: mounting sql/ there would run each *.sql file AND apply.sh.
# apply.sh connects with libpq's defaults: the image's initdb server listens on its Unix socket only, and
# its superuser is POSTGRES_USER (not the OS user "postgres"), hence PGUSER.
# No `set` and no `exit` here: the image sources a *.sh file that has lost its executable bit.
PGUSER="$POSTGRES_USER" bash "${OMNI2_SQL_DIR:-/omni2/sql}/apply.sh" "dbname=$POSTGRES_DB"
