#!/usr/bin/env bash
# bench/scale.sh — the store at scale: with N deliveries in the store
# (1,000,000 by default, seeded by bench/cmd/seed through the Store
# interface), how fast `deliveries list --status failed --limit 50` and
# `deliveries show` answer (target < 50 ms each), the SQLite file size per
# delivery, and `replay --failed` of the failed ones (10 %: 100,000) to a
# local sink: rate and peak RSS (target: the trigger rate, flat memory).
# The same on PostgreSQL (a throwaway server from .ci/pg.sh) when its
# binaries are present.
#
#   bench/scale.sh [--smoke]      (from bench/run, or standalone)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

SMOKE=${BENCH_SMOKE:-0}
[ "${1:-}" = "--smoke" ] && SMOKE=1
N=${SCALE_N:-1000000}
[ "$SMOKE" = 1 ] && N=2000
RUNS=15
[ "$SMOKE" = 1 ] && RUNS=3

OWN_WORK=0
if [ -z "${BENCH_WORK:-}" ]; then BENCH_WORK=$(mktemp -d /tmp/hookctl-scale.XXXXXX); OWN_WORK=1; fi
WORK=$BENCH_WORK/scale
mkdir -p "$WORK"
BIN=${BENCH_BIN:-$WORK/bin}
mkdir -p "$BIN"
SINK_PID="" PGDIR=""
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin} # as .ci/pg.sh: initdb, psql
cleanup() {
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  [ -n "$PGDIR" ] && bash .ci/pg.sh stop "$PGDIR" >/dev/null 2>&1 || true
  [ "$OWN_WORK" = 1 ] && rm -rf "$BENCH_WORK"
  return 0
}
trap cleanup EXIT
log() { echo "bench/scale: $*" >&2; }
row() { [ -n "${BENCH_TSV:-}" ] && printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_TSV"; return 0; }
for p in hookctl:. seed:./bench/cmd/seed sink:./bench/cmd/sink; do
  [ -x "$BIN/${p%%:*}" ] || go build -trimpath -o "$BIN/${p%%:*}" "${p#*:}"
done
export HOOKCTL_CONFIG_DIR=$WORK/config NO_COLOR=1

"$BIN/sink" -url-file "$WORK/url" 2>/dev/null &
SINK_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL=$(cat "$WORK/url")/webhooks

# median_ms CMD...: median wall time of RUNS runs, in ms
median_ms() {
  if command -v hyperfine >/dev/null; then
    hyperfine -N -w 2 -r "$RUNS" --export-json "$WORK/h.json" "$*" >/dev/null 2>&1
    python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$WORK/h.json"
  else
    python3 - "$RUNS" "$@" <<'PY'
import subprocess, sys, time, statistics
runs, cmd = int(sys.argv[1]), sys.argv[2:]
ts = []
for _ in range(runs):
    t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True); ts.append(time.perf_counter() - t)
print("%.1f" % (statistics.median(ts) * 1000))
PY
  fi
}

verdict() { [ "$(echo "$1" | bc -l)" = 1 ] && echo ok || echo MISSED; }

# scale BACKEND DSN
scale() {
  local backend=$1 dsn=$2
  export HOOKCTL_STORE=$dsn
  log "$backend: seeding $N deliveries"
  local seedout id
  seedout=$("$BIN/seed" -store "$dsn" -n "$N" -per-event 10 -url "$URL")
  log "$backend: $seedout"
  id=$(echo "$seedout" | awk '{print $NF}')
  if [ "$backend" = postgres ]; then
    # The seed's aftermath is not the measured commands' to pay: its
    # dirty pages (the checkpoint it triggers by WAL volume) and the
    # vacuum and analyze autovacuum would start on a table of N new rows
    # landed in the replay's time. Done here, before list, show and replay.
    local t0
    t0=$(date +%s.%N)
    "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$dsn" -c "VACUUM ANALYZE deliveries" -c "CHECKPOINT"
    log "$backend: VACUUM ANALYZE deliveries + CHECKPOINT took $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc -l)") s"
  fi
  local list show
  list=$(median_ms "$BIN/hookctl" deliveries list --status failed --limit 50)
  show=$(median_ms "$BIN/hookctl" deliveries show "$id")
  row "scale ($backend, $N deliveries): deliveries list --status failed --limit 50" "$list ms" "" "" "< 50 ms" "$(verdict "$list < 50")"
  row "scale ($backend, $N deliveries): deliveries show" "$show ms" "" "" "< 50 ms" "$(verdict "$show < 50")"
  if [ "$backend" = sqlite ]; then
    local size per
    size=$(du -cb "$dsn"* | tail -1 | cut -f1)
    per=$(echo "$size / $N" | bc)
    row "scale (sqlite): file size per delivery" "$per B" "" "" "(reported)" ""
  fi
  local failed start end secs rate
  failed=$("$BIN/hookctl" deliveries list --status failed --limit 0 | wc -l)
  log "$backend: replay --failed of $failed deliveries"
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WORK/rss" "$BIN/hookctl" replay --failed --yes --no-retry --concurrency 64 >/dev/null 2>"$WORK/replay.err" ||
    { log "replay failed:"; tail -3 "$WORK/replay.err" >&2; return 0; }
  end=$(date +%s.%N)
  secs=$(echo "$end - $start" | bc -l)
  rate=$(echo "$failed / $secs" | bc -l)
  local rss ref
  rss=$(( $(cat "$WORK/rss") / 1024 ))
  ref=$(awk -F'\t' '/^trigger: deliveries\/s/{print $2; exit}' "${BENCH_TSV:-/dev/null}" 2>/dev/null || true)
  local ratio="" v="" want=0.8 target="~ trigger rate"
  # PostgreSQL (issue 18): replay at least half the trigger rate.
  [ "$backend" = postgres ] && want=0.5 target=">= 0.5x trigger"
  if [ -n "$ref" ]; then
    ratio=$(printf '%.2fx' "$(echo "$rate / ${ref%/s}" | bc -l)")
    v=$(verdict "$rate >= $want * ${ref%/s}")
  fi
  row "scale ($backend): replay --failed, $failed deliveries" "$(printf '%.0f/s' "$rate")" "${ref:-n/a} (trigger)" "$ratio" "$target" "$v"
  row "scale ($backend): replay --failed peak RSS" "$rss MB" "" "" "flat" ""
  printf 'scale %-8s list %s ms, show %s ms, replay %d at %.0f/s, peak RSS %d MB\n' "$backend" "$list" "$show" "$failed" "$rate" "$rss"
}

scale sqlite "$WORK/scale.db"
if [ -x "$PGBIN/initdb" ]; then
  # Durable, like the store rows: fsync on, every commit flushed.
  eval "$(PG_SETTINGS="-c synchronous_commit=on" bash .ci/pg.sh start)"
  PGDIR=$PG_TEST_DIR
  scale "postgres" "$HOOKCTL_TEST_POSTGRES"
else
  log "PostgreSQL binaries not found: PostgreSQL figures skipped"
fi
