#!/usr/bin/env bash
# bench/web.sh — the web inspector at scale.
#
#   1. pages over a store of WEB_BENCH_N deliveries (default 1,000,000,
#      seeded with bench/cmd/seed unless WEB_BENCH_STORE names one): server
#      time of the live log and its filters, first load and filter changes
#      in headless Chromium, the live log fed ~1,000 deliveries/s
#      (internal/web TestScale);
#   2. what an open page costs `hookctl listen`: wrk against listen, rounds
#      interleaved with and without `hookctl ui` on the same store and a
#      live-log stream (/live) open.
# BENCH_SMOKE=1: 20,000 deliveries, 1 s runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"
N=${WEB_BENCH_N:-1000000}
DUR=${WEB_BENCH_DURATION:-5s}
ROUNDS=${WEB_BENCH_ROUNDS:-3}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then N=20000; DUR=1s; ROUNDS=1; fi
W=$(mktemp -d /tmp/hookctl-web-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
log() { echo "bench/web: $*" >&2; }

go build -trimpath -o "$W/hookctl" .
for c in seed benchapp benchsign; do go build -trimpath -o "$W/$c" "./bench/cmd/$c"; done

STORE=${WEB_BENCH_STORE:-}
if [ -z "$STORE" ]; then
  STORE=$W/big.db
  log "seeding $N deliveries"
  "$W/seed" -store "$STORE" -n "$N" >&2
fi
log "pages over $STORE"
HOOKCTL_WEB_SCALE_STORE=$STORE go test -count=1 -run '^TestScale$' -v ./internal/web | grep -E '^(store|server|browser|live|no browser)'

command -v wrk >/dev/null || { log "wrk missing: listen overhead skipped"; exit 0; }
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
waitport() { for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$1${2:-/}" && return 0; sleep 0.05; done; return 1; }
APP=$(freeport); LP=$(freeport); UP=$(freeport)
"$W/benchapp" -addr "127.0.0.1:$APP" & pids+=($!)
waitport "$APP"
export HOOKCTL_STORE=$W/listen.db HOOKCTL_CONFIG_DIR=$W/cfg
SECRET=$("$W/hookctl" listen --port "$LP" --scheme standard --print-secret)
"$W/hookctl" listen --port "$LP" --scheme standard --forward "127.0.0.1:$APP/webhooks" -o json > /dev/null 2>&1 & pids+=($!)
waitport "$LP" /healthz
"$W/benchsign" -secret "$SECRET" > "$W/post.lua"
rps() { wrk -t2 -c16 -d"$DUR" -s "$W/post.lua" "http://127.0.0.1:$LP/" 2>&1 | awk '/Requests\/sec/{print $2}'; }
drain() { while [ "$(curl -s "http://127.0.0.1:$LP/healthz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pending_records"])')" != 0 ]; do sleep 0.1; done; }
wrk -t2 -c16 -d1s -s "$W/post.lua" "http://127.0.0.1:$LP/" >/dev/null 2>&1; drain
: > "$W/r.txt"
for r in $(seq 1 "$ROUNDS"); do
  echo "without $(rps)" >> "$W/r.txt"; drain
  "$W/hookctl" ui --addr "127.0.0.1:$UP" --no-open > /dev/null 2>&1 & UI=$!
  waitport "$UP"
  curl -sN "http://127.0.0.1:$UP/live" > /dev/null & SSE=$!
  curl -s -o /dev/null "http://127.0.0.1:$UP/"
  echo "with $(rps)" >> "$W/r.txt"; drain
  kill "$SSE" "$UI"; wait "$SSE" "$UI" 2>/dev/null || true
done
python3 - "$W/r.txt" <<'PY'
import sys, statistics
r = {}
for l in open(sys.argv[1]):
    k, v = l.split(); r.setdefault(k, []).append(float(v))
a, b = statistics.median(r["without"]), statistics.median(r["with"])
print(f"listen req/s without a page: {a:.0f}, with hookctl ui and a live stream open on the same store: {b:.0f} ({(b/a-1)*100:+.1f} %), median of {len(r['with'])} round(s)")
PY
