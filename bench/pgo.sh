#!/usr/bin/env bash
# bench/pgo.sh — profile-guided optimisation (Go PGO) for hookctl's hot paths.
#
#   bench/pgo.sh profile [OUT]   collect CPU profiles of the real binary (built
#                                with -pgo=off) on listen --forward, trigger,
#                                replay --failed and worker (SQLite and, with a
#                                PostgreSQL server, PostgreSQL); merge them into
#                                OUT (default: default.pgo next to main.go)
#   bench/pgo.sh measure [PGO]   A/B the binary built with -pgo=off against the
#                                one built with the profile PGO (default:
#                                default.pgo): CPU seconds of the hookctl
#                                process per operation on each path, ROUNDS
#                                interleaved rounds; binary size; cold start
#
# Each profile comes from HOOKCTL_CPUPROFILE=FILE (a pprof CPU profile of the
# whole process; see bench/README.md, "PGO"). Weighting: each path is profiled
# as many times as PGO_WEIGHTS says (listen 1, trigger 2, replay 1, worker on
# SQLite 1, on PostgreSQL 1 by default), and the samples of the runs add up in
# the merge; the script prints each path's share of the merged samples.
#
# PostgreSQL: a throwaway server from .ci/pg.sh is started and stopped here
# (HOOKCTL_TEST_POSTGRES set beforehand is used as is); without the server
# binaries the PostgreSQL path is skipped, saying so.
#
# Env: ROUNDS (measure, default 3), LISTEN_SECS (wrk run, default 8; 5 when
# profiling: PROFILE_LISTEN_SECS),
# COUNT (trigger and replay deliveries, default 20000), EVENTS (worker, 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH:/usr/sbin"

MODE=${1:-}
ROUNDS=${ROUNDS:-3}
LISTEN_SECS=${LISTEN_SECS:-8}
COUNT=${COUNT:-20000}
EVENTS=${EVENTS:-10000}
CONC=64
read -r W_LISTEN W_TRIGGER W_REPLAY W_SQLITE W_PG <<<"${PGO_WEIGHTS:-1 2 1 1 1}"

W=$(mktemp -d /tmp/hookctl-pgo.XXXXXX)
pids=()
pgdir=""
cleanup() {
  [ "$BASHPID" = "$$" ] || return 0 # not in a $(…) subshell
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "$pgdir" ] && bash .ci/pg.sh stop "$pgdir"
  rm -rf "$W"
  return 0
}
trap cleanup EXIT
log() { echo "bench/pgo: $*" >&2; }
export HOOKCTL_CONFIG_DIR=$W/cfg NO_COLOR=1

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
waitport() { # waitport PORT [PATH]
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "http://127.0.0.1:$1${2:-/}" && return 0
    sleep 0.05
  done
  log "port $1 never answered"; return 1
}
# cputicks PID: utime+stime of PID in clock ticks
cputicks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# build DIR PGO: hookctl with -pgo=PGO (off or a file) and the bench helpers
build() {
  mkdir -p "$1"
  go build -trimpath -pgo="$2" -o "$1/hookctl" .
  for c in benchapp benchsign sink storebench; do
    [ -x "$W/helpers/$c" ] || go build -trimpath -o "$W/helpers/$c" "./bench/cmd/$c"
  done
}

start_helpers() { # the receivers every path sends to (APP, SINK); once, before any run_*
  APP=$(freeport)
  "$W/helpers/benchapp" -addr "127.0.0.1:$APP" & pids+=($!)
  rm -f "$W/sink.url"
  "$W/helpers/sink" -url-file "$W/sink.url" 2>"$W/sink.log" & pids+=($!)
  waitport "$APP"
  for _ in $(seq 100); do [ -s "$W/sink.url" ] && break; sleep 0.05; done
  SINK=$(cat "$W/sink.url")/webhooks
}

# Every run_* takes BIN (a directory) and PROF (a profile file, or "" for
# none) and prints "µs-of-CPU-per-operation operations-per-second".

# listen --forward under wrk -c16 (signed Standard Webhooks bodies, 1 KiB);
# CPU of listen from before the load to the end of its store catch-up.
run_listen() {
  local bin=$1 prof=$2 lp secret lpid t0 t1 n s0 s1 out
  lp=$(freeport)
  export HOOKCTL_STORE=$W/listen.db
  rm -f "$W/listen.db"*
  secret=$("$bin/hookctl" listen --port "$lp" --scheme standard --print-secret)
  "$W/helpers/benchsign" -secret "$secret" > "$W/post.lua"
  HOOKCTL_CPUPROFILE=$prof "$bin/hookctl" listen --port "$lp" --scheme standard \
    --forward "127.0.0.1:$APP/webhooks" -o json > /dev/null 2> "$W/listen.err" & lpid=$!
  waitport "$lp" /healthz
  wrk -t2 -c16 -d1s -s "$W/post.lua" "http://127.0.0.1:$lp/" > /dev/null 2>&1 # warm-up
  listen_drain "$lp" "$lpid"
  t0=$(cputicks "$lpid"); s0=$(date +%s.%N)
  out=$(wrk -t2 -c16 -d"${LISTEN_SECS}s" -s "$W/post.lua" "http://127.0.0.1:$lp/" 2>&1)
  s1=$(date +%s.%N)
  listen_drain "$lp" "$lpid"
  t1=$(cputicks "$lpid")
  kill -INT "$lpid"; wait "$lpid" 2>/dev/null || true
  unset HOOKCTL_STORE
  if echo "$out" | grep -q 'Non-2xx'; then log "listen answered non-2xx: $(echo "$out" | grep Non-2xx)"; fi
  n=$(echo "$out" | awk '/requests in/{print $1}')
  python3 -c "import sys; t,n,h,s=map(float,sys.argv[1:]); print(f'{(t/h)*1e6/n:.1f} {n/s:.0f}')" \
    "$((t1 - t0))" "$n" "$HZ" "$(echo "$s1 - $s0" | bc -l)"
}
listen_drain() { # PORT PID: until listen's spooled records are in the store
  local p
  for _ in $(seq 600); do
    kill -0 "$2" 2>/dev/null || { log "listen exited:"; tail -5 "$W/listen.err" >&2; return 1; }
    p=$(curl -s -m 10 "http://127.0.0.1:$1/healthz" | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["pending_records"])
except Exception: print("bad")')
    [ "$p" = 0 ] && return 0
    sleep 0.1
  done
  log "listen never drained"; return 1
}

# timed BIN PROF OUT ARGS…: run hookctl ARGS, append "user+sys wall" to OUT
timed() {
  local bin=$1 prof=$2 out=$3
  shift 3
  HOOKCTL_CPUPROFILE=$prof /usr/bin/time -f '%U %S %e' -o "$W/time" "$bin/hookctl" "$@" > "$W/cmd.out" 2> "$W/cmd.err" ||
    { log "hookctl $* failed:"; tail -5 "$W/cmd.err" >&2; return 1; }
  awk '{print $1 + $2, $3}' "$W/time" > "$out"
}

# trigger --count COUNT --concurrency 64 --no-retry to the sink (SQLite store)
run_trigger() {
  local bin=$1 prof=$2 db=$W/trigger.db
  rm -f "$db"*
  HOOKCTL_STORE=$db "$bin/hookctl" subscribe --url "$SINK" --events '*' --scheme standard > /dev/null 2>&1
  HOOKCTL_STORE=$db timed "$bin" "$prof" "$W/t" trigger card.created --count "$COUNT" --concurrency "$CONC" --no-retry
  read -r cpu wall < "$W/t"
  python3 -c "import sys; c,w,n=map(float,sys.argv[1:]); print(f'{c*1e6/n:.1f} {n/w:.0f}')" "$cpu" "$wall" "$COUNT"
}

# replay --failed of COUNT deliveries (failed against a closed port) to the sink
run_replay() {
  local bin=$1 prof=$2 db=$W/replay.db dead
  dead=$(freeport)
  if [ ! -f "$W/replay-seed.db" ]; then
    HOOKCTL_STORE=$W/replay-seed.db "$bin/hookctl" subscribe --url "http://127.0.0.1:$dead/webhooks" --events '*' --scheme standard > /dev/null 2>&1
    HOOKCTL_STORE=$W/replay-seed.db "$bin/hookctl" trigger card.created --count "$COUNT" --concurrency "$CONC" --no-retry --timeout 2s > /dev/null 2>&1 || true
  fi
  rm -f "$db"*
  for f in "$W"/replay-seed.db*; do cp "$f" "$db${f#"$W"/replay-seed.db}"; done
  HOOKCTL_STORE=$db timed "$bin" "$prof" "$W/t" replay --failed --to "$SINK" --yes --no-retry --concurrency "$CONC"
  read -r cpu wall < "$W/t"
  python3 -c "import sys; c,w,n=map(float,sys.argv[1:]); print(f'{c*1e6/n:.1f} {n/w:.0f}')" "$cpu" "$wall" "$COUNT"
}

# worker: EVENTS enqueued by bench/cmd/storebench, one worker process;
# STORE is sqlite or pg. storebench measures the workers' CPU itself.
run_worker() {
  local bin=$1 prof=$2 store=$3 target out
  target=$W/worker.db
  [ "$store" = pg ] && target=pg
  rm -f "$W/worker.db"*
  # profile the worker process only (storebench runs nothing else of hookctl)
  printf '#!/bin/sh\n[ "$1" = worker ] && [ -n "%s" ] && export HOOKCTL_CPUPROFILE="%s"\nexec "%s" "$@"\n' \
    "$prof" "$prof" "$bin/hookctl" > "$W/hookctl-worker"
  chmod +x "$W/hookctl-worker"
  out=$("$W/helpers/storebench" run -hookctl "$W/hookctl-worker" -store "$target" -workers 1 -events "$EVENTS" 2>"$W/storebench.err") ||
    { log "storebench failed:"; tail -5 "$W/storebench.err" >&2; return 1; }
  echo "$out" | awk -F'\t' '{print $8, $4}'
}

pg_up() { # start a throwaway server unless one is given
  [ -n "${HOOKCTL_TEST_POSTGRES:-}" ] && return 0
  if [ ! -x "${PGBIN:-/usr/lib/postgresql/15/bin}/initdb" ]; then
    log "no PostgreSQL server binaries: the PostgreSQL worker path is skipped"; return 1
  fi
  eval "$(bash .ci/pg.sh start)"
  pgdir=$PG_TEST_DIR
  export HOOKCTL_TEST_POSTGRES
}

run_worker_sqlite() { run_worker "$1" "$2" sqlite; }
run_worker_pg() { run_worker "$1" "$2" pg; }
# samples FILE: the number of CPU samples in a profile
samples() { go tool pprof -raw "$1" 2>/dev/null | awk '/^Samples:/{s=1; next} /^Locations/{s=0} s && /^ *[0-9]+ +[0-9]+:/{n += $1} END{print n + 0}'; }

case $MODE in
profile)
  OUT=${2:-default.pgo}
  log "building with -pgo=off"
  build "$W/off" off
  start_helpers
  mkdir -p "$W/prof"
  prof() { # NAME WEIGHT FUNC: WEIGHT profiled runs of one path
    local name=$1 weight=$2 fn=$3 i r
    for i in $(seq "$weight"); do
      r=$("$fn" "$W/off" "$W/prof/$name-$i.pprof")
      log "profiled $name ($i of $weight): ${r% *} µs CPU/op, ${r#* } op/s"
    done
  }
  LISTEN_SECS=${PROFILE_LISTEN_SECS:-5} prof listen "$W_LISTEN" run_listen
  prof trigger "$W_TRIGGER" run_trigger
  prof replay "$W_REPLAY" run_replay
  prof worker-sqlite "$W_SQLITE" run_worker_sqlite
  if [ "$W_PG" -gt 0 ] && pg_up; then
    prof worker-pg "$W_PG" run_worker_pg
  fi
  total=0
  for f in "$W"/prof/*.pprof; do total=$((total + $(samples "$f"))); done
  for name in listen trigger replay worker-sqlite worker-pg; do
    n=0
    for f in "$W"/prof/"$name"-*.pprof; do [ -f "$f" ] && n=$((n + $(samples "$f"))); done
    [ "$n" -gt 0 ] && log "$(printf '%-14s %6d samples, %3d%% of the merged profile' "$name" "$n" $((100 * n / total)))"
  done
  go tool pprof -proto "$W"/prof/*.pprof > "$W/merged.pgo" 2>/dev/null
  mv "$W/merged.pgo" "$OUT"
  log "wrote $OUT ($(wc -c < "$OUT") bytes)"
  ;;
measure)
  PGO=${2:-default.pgo}
  [ -f "$PGO" ] || { log "no profile $PGO (bench/pgo.sh profile makes one)"; exit 2; }
  PGO=$(realpath "$PGO")
  log "building with -pgo=off and with -pgo=$PGO"
  build "$W/off" off
  build "$W/on" "$PGO"
  start_helpers
  printf 'binary size: off %d bytes, pgo %d bytes\n' "$(stat -c %s "$W/off/hookctl")" "$(stat -c %s "$W/on/hookctl")"
  paths=${PGO_PATHS:-listen trigger replay worker_sqlite worker_pg}
  case " $paths " in *" worker_pg "*) pg_up || paths=${paths/worker_pg/};; esac
  : > "$W/results"
  for r in $(seq "$ROUNDS"); do
    for p in $paths; do
      # alternate which build goes first, so drift hits both alike
      order="off on"; [ $((r % 2)) = 0 ] && order="on off"
      for b in $order; do
        res=$("run_$p" "$W/$b" "")
        log "round $r/$ROUNDS $p $b: ${res% *} µs CPU/op, ${res#* } op/s"
        echo "$p $b $res" >> "$W/results"
      done
    done
  done
  python3 - "$W/results" <<'PY'
import sys, statistics
rows = {}
for l in open(sys.argv[1]):
    p, b, cpu, rate = l.split()
    rows.setdefault((p, b), []).append((float(cpu), float(rate)))
print(f"{'path':14} {'CPU µs/op off':>14} {'pgo':>8} {'change':>8}  {'op/s off':>9} {'pgo':>8}  runs (µs/op off | pgo)")
for p in dict.fromkeys(k[0] for k in rows):
    off, on = rows[(p, "off")], rows[(p, "on")]
    co, cn = statistics.median(c for c, _ in off), statistics.median(c for c, _ in on)
    ro, rn = statistics.median(r for _, r in off), statistics.median(r for _, r in on)
    print(f"{p:14} {co:14.1f} {cn:8.1f} {100*(cn-co)/co:+7.1f}%  {ro:9.0f} {rn:8.0f}  "
          f"{' '.join(f'{c:.1f}' for c, _ in off)} | {' '.join(f'{c:.1f}' for c, _ in on)}")
PY
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 20 --runs 200 "$W/off/hookctl version" "$W/on/hookctl version"
  fi
  ;;
*)
  sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
