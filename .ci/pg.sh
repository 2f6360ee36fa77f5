#!/usr/bin/env bash
# Throwaway PostgreSQL 15 for the tests.
#
#   eval "$(bash .ci/pg.sh start)"   # starts a server, prints `export HOOKCTL_TEST_POSTGRES=…` and PG_TEST_DIR
#   bash .ci/pg.sh stop [DIR]        # stops it and removes its directory (DIR defaults to $PG_TEST_DIR)
#
# The server listens on 127.0.0.1 only, on a free port, with its socket and
# data in a fresh mktemp directory owned by the postgres user (initdb refuses
# to run as root). fsync is off: the data is thrown away. PG_SETTINGS
# replaces those settings (bench/store.sh measures with durable ones).
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGUSER_OS=${PGUSER_OS:-postgres}
PG_SETTINGS=${PG_SETTINGS--c fsync=off -c synchronous_commit=off -c full_page_writes=off}

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PGUSER_OS" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

start() {
  if [ ! -x "$PGBIN/initdb" ]; then
    echo "pg.sh: no PostgreSQL server binaries in $PGBIN" >&2
    exit 3
  fi
  local dir port
  dir=$(mktemp -d /tmp/hookctl-pg.XXXXXX)
  chmod 0755 "$dir"
  mkdir -p "$dir/data" "$dir/sock"
  if [ "$(id -u)" = 0 ]; then chown -R "$PGUSER_OS" "$dir"; fi
  echo hookctl >"$dir/pwfile"
  chmod 0600 "$dir/pwfile"
  if [ "$(id -u)" = 0 ]; then chown "$PGUSER_OS" "$dir/pwfile"; fi
  # Password auth over TCP (so the tests exercise a URL with a password),
  # trust on the private socket for the setup below.
  as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$dir/pwfile" --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 3; }
  for try in 1 2 3 4 5; do
    port=$(free_port)
    if as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/sock -c max_connections=200 $PG_SETTINGS" \
      start >/dev/null; then
      echo "$port" >"$dir/port"
      break
    fi
    port=""
  done
  if [ -z "${port:-}" ]; then
    echo "pg.sh: could not start PostgreSQL:" >&2; cat "$dir/server.log" >&2 || true
    rm -rf "$dir"; exit 3
  fi
  as_pg "$PGBIN/psql" -X -q -h "$dir/sock" -p "$port" -U postgres -d postgres \
    -c "CREATE DATABASE hookctl_test" >/dev/null
  echo "export PG_TEST_DIR=$dir"
  echo "export HOOKCTL_TEST_POSTGRES=postgres://postgres:hookctl@127.0.0.1:$port/hookctl_test?sslmode=disable"
}

stop() {
  local dir=${1:-${PG_TEST_DIR:-}}
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    echo "pg.sh: stop: no server directory (give it or set PG_TEST_DIR)" >&2
    exit 2
  fi
  case "$dir" in /tmp/hookctl-pg.*) ;; *) echo "pg.sh: refusing to remove $dir" >&2; exit 2 ;; esac
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: pg.sh {start|stop [DIR]}" >&2; exit 2 ;;
esac
