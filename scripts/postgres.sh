#!/usr/bin/env bash
# Provides a local PostgreSQL for tests and local runs, with no systemd and no prior setup:
# installs Debian's server when missing, runs initdb + pg_ctl in its own directory on a free
# loopback port, creates the database and applies sql/. Idempotent: a running instance is reused.
# The port is saved in $OMNI2_PG_DIR/port; a stopped instance starts again on that port when it is
# free, so 'stop' then 'start' brings it back with the same connection string (tests use this to
# take the database away and give it back).
#
#   scripts/postgres.sh start   prints the Npgsql connection string on stdout
#   scripts/postgres.sh stop    pg_ctl stop -m fast: connections are cut, as in an outage
#   scripts/postgres.sh status
#
# OMNI2_PG_DIR (default /tmp/omni2-pg), OMNI2_PG_PORT (default: first free port from 55432; used
# when there is no saved port or it is taken), OMNI2_PG_DB (default omni2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${OMNI2_PG_DIR:-/tmp/omni2-pg}"
db="${OMNI2_PG_DB:-omni2}"
log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$found" ]]; then
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$found"
}

# PostgreSQL refuses to run as root: run it as the 'postgres' user, creating one if needed.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /bin/bash postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

connection_string() { echo "Host=127.0.0.1;Port=$1;Username=postgres;Database=$db;Pooling=true"; }

start() {
  local bin port
  bin=$(find_bin)
  mkdir -p "$dir"
  [[ $(id -u) -eq 0 ]] && { id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /bin/bash postgres; chown postgres "$dir"; }
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-instructions >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    port=$(cat "$dir/port")
  else
    port=$(cat "$dir/port" 2>/dev/null || true)
    if ! [[ $port =~ ^[0-9]+$ ]] || ! port_free "$port"; then
      port="${OMNI2_PG_PORT:-55432}"
      until port_free "$port"; do port=$((port + 1)); done
      echo "$port" > "$dir/port"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off" >/dev/null
  fi
  if ! psql -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE \"$db\"" >&2
  fi
  "$root/sql/apply.sh" "host=127.0.0.1 port=$port user=postgres dbname=$db" >&2
  connection_string "$port"
}

stop() {
  local bin
  bin=$(find_bin)
  [[ -f "$dir/data/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
}

status() {
  local bin
  bin=$(find_bin)
  if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then connection_string "$(cat "$dir/port")"; else echo "stopped"; return 1; fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
