#!/usr/bin/env bash
# bench/livetabs.sh — what open, idle inspector tabs cost `hookctl ui`.
#
# Seeds a store (LIVETABS_N settled deliveries, default 20,000; SQLite, and
# PostgreSQL when HOOKCTL_TEST_POSTGRES names a server: a schema of its
# own, dropped at the end; PG_TEST_DIR adds the server's CPU), starts
# `hookctl ui` on it and runs bench/cmd/livetabs against it: for 1, 50
# and 200 tabs (LIVETABS_TABS) open on /live with a real HTTP client, the
# CPU of the hookctl process (and of PostgreSQL) over 10 s with nothing
# happening (LIVETABS_DUR), and the latency from a delivery committed to
# its row in every tab (LIVETABS_SAMPLES per tab count; the tabs poll
# every 200 ms, web.DefaultPoll).
#
# LIVETABS_BASE=<git ref> measures that commit's hookctl too, beside the
# tree's (built from `git archive`, so the checkout is not touched).
# BENCH_SMOKE=1: 2,000 deliveries, 1 and 5 tabs, 1 s, 2 samples.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"
N=${LIVETABS_N:-20000}
TABS=${LIVETABS_TABS:-1,50,200}
DUR=${LIVETABS_DUR:-10s}
SAMPLES=${LIVETABS_SAMPLES:-10}
BASE=${LIVETABS_BASE:-}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then N=2000; TABS=1,5; DUR=1s; SAMPLES=2; fi
W=$(mktemp -d /tmp/hookctl-livetabs.XXXXXX)
pids=()
schema=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$schema" ]; then psql -q "$HOOKCTL_TEST_POSTGRES" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true; fi
  rm -rf "$W"
}
trap cleanup EXIT
log() { echo "bench/livetabs: $*" >&2; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
waitport() { for _ in $(seq 1 400); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done; return 1; }

bins=("tree=$W/tree/hookctl")
go build -trimpath -o "$W/tree/hookctl" .
if [ -n "$BASE" ]; then
  mkdir -p "$W/base-src"
  git archive "$BASE" | tar -x -C "$W/base-src"
  (cd "$W/base-src" && go build -trimpath -o "$W/base/hookctl" .)
  bins=("base=$W/base/hookctl" "${bins[@]}")
fi
for c in seed livetabs; do go build -trimpath -o "$W/$c" "./bench/cmd/$c"; done

stores=("sqlite=$W/livetabs.db")
if [ -n "${HOOKCTL_TEST_POSTGRES:-}" ] && command -v psql >/dev/null; then
  schema="livetabs_$$"
  psql -q "$HOOKCTL_TEST_POSTGRES" -c "CREATE SCHEMA $schema" >/dev/null
  case "$HOOKCTL_TEST_POSTGRES" in *\?*) sep='&' ;; *) sep='?' ;; esac
  stores+=("postgres=$HOOKCTL_TEST_POSTGRES${sep}search_path=$schema")
fi
export HOOKCTL_CONFIG_DIR=$W/cfg
for s in "${stores[@]}"; do
  kind=${s%%=*}; dsn=${s#*=}
  log "seeding $N deliveries ($kind)"
  "$W/seed" -store "$dsn" -n "$N" -per-event 1 >&2
  for b in "${bins[@]}"; do
    name=${b%%=*}; bin=${b#*=}
    port=$(freeport)
    HOOKCTL_STORE=$dsn "$bin" ui --addr "127.0.0.1:$port" --no-open >/dev/null 2>"$W/ui.err" & ui=$!
    pids+=("$ui")
    waitport "$port" || { cat "$W/ui.err" >&2; exit 1; }
    log "$name on $kind: tabs $TABS, $DUR idle each, load $(cut -d' ' -f1-3 /proc/loadavg)"
    "$W/livetabs" -url "http://127.0.0.1:$port" -pid "$ui" -store "$dsn" -n "$TABS" -dur "$DUR" -samples "$SAMPLES" -label "$name $kind" \
      $([ "$kind" = postgres ] && echo -pgcpu)
    kill "$ui"; wait "$ui" 2>/dev/null || true
  done
done
