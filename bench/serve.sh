#!/usr/bin/env bash
# bench/serve.sh — API requests/s of `hookctl serve` (create and list), with
# hey, against a fresh SQLite store; the reference is hey against the
# minimal sink (bench/cmd/sink: read the body, answer 200) in the same run,
# the HTTP ceiling of this machine. Standalone, or called by bench/run
# (rows appended to $BENCH_TSV). BENCH_SMOKE=1: tiny sizes.
#   SERVE_BENCH_N=5000 SERVE_BENCH_C=16 bench/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

N=${SERVE_BENCH_N:-5000}
C=${SERVE_BENCH_C:-16}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then N=200; fi

own_work=0
if [ -z "${BENCH_WORK:-}" ]; then
  BENCH_WORK=$(mktemp -d /tmp/hookctl-serve-bench.XXXXXX); own_work=1
fi
W=$BENCH_WORK/serve
BIN=${BENCH_BIN:-$W/bin}
mkdir -p "$W" "$BIN"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$own_work" = 1 ] && rm -rf "$BENCH_WORK"
  return 0
}
trap cleanup EXIT
log() { echo "bench/serve: $*" >&2; }
row() { [ -n "${BENCH_TSV:-}" ] && printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_TSV"; printf '%s | %s | %s | %s\n' "$1" "$2" "$3" "$4" >&2; }

[ -x "$BIN/hookctl" ] || go build -trimpath -o "$BIN/hookctl" .
[ -x "$BIN/sink" ] || go build -trimpath -o "$BIN/sink" ./bench/cmd/sink
HEY=$(command -v hey || true)
if [ -z "$HEY" ]; then
  [ -x "$W/gobin/hey" ] || { log "installing hey into a temporary GOBIN"; GOBIN=$W/gobin go install github.com/rakyll/hey@latest >/dev/null 2>&1 || true; }
  HEY=$W/gobin/hey
fi
[ -x "$HEY" ] || { log "hey unavailable: skipped"; exit 0; }

export HOOKCTL_CONFIG_DIR=$W/config NO_COLOR=1
rm -f "$W/sink.url" "$W/db"*
"$BIN/sink" -url-file "$W/sink.url" 2>/dev/null & pids+=($!)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# --no-worker: the figure is the API's, not delivery's.
"$BIN/hookctl" serve --store "$W/db" --port "$PORT" --no-worker --allow-reset 2>"$W/serve.log" & pids+=($!)
for _ in $(seq 200); do
  [ -s "$W/sink.url" ] && curl -sf "http://127.0.0.1:$PORT/_hookctl/health" >/dev/null 2>&1 && break
  sleep 0.05
done
U=http://127.0.0.1:$PORT
SINK=$(cat "$W/sink.url")

rate() { awk '/Requests\/sec/{printf "%.0f", $2}' "$1"; }
# hey prints "99%% in", and nothing for the 99th percentile of a run too
# short to have one (the smoke run's): then "n/a", not an empty "(p99 )".
p99() { awk '/ 99%+ in /{printf "%.1f ms", $3 * 1000; found = 1} END{if (!found) printf "n/a"}' "$1"; }

check() { # FILE [STATUS]: fail loudly when hey saw errors, or answers other than 2xx (or than STATUS)
  local st bad=0
  grep -q 'Error distribution' "$1" && bad=1
  for st in $(sed -nE 's/^ +\[([0-9]{3})\][[:space:]]+[0-9]+ responses.*/\1/p' "$1" | sort -u); do
    if [ -n "${2:-}" ]; then [ "$st" = "$2" ] || bad=1; else case $st in 2??) ;; *) bad=1 ;; esac; fi
  done
  if [ "$bad" = 1 ]; then log "errors in $1:"; cat "$1" >&2; exit 1; fi
}

echo '{"url":"http://127.0.0.1:9/hook","description":"bench","events":["card.*","kyc.verification.success"]}' > "$W/bond.json"
echo '{"url":"http://127.0.0.1:9/hook","filterTypes":["order.created"]}' > "$W/svix.json"
printf 'url=http://127.0.0.1:9/hook&enabled_events[0]=payment.succeeded&enabled_events[1]=payment.failed' > "$W/stripe.form"
curl -sf -XPOST -H 'Authorization: Bearer k' -d '{"name":"bench","uid":"bench"}' "$U/api/v1/app" >/dev/null
curl -sf -XPOST -H 'Authorization: Bearer k' -d '{"name":"order.created","description":"bench"}' "$U/api/v1/event-type" >/dev/null # svix.json's filterTypes

log "reference: hey POST/GET against the sink ($N requests, c=$C)"
"$HEY" -n "$N" -c "$C" -m POST -T application/json -D "$W/bond.json" "$SINK/x" > "$W/ref_post.out"
"$HEY" -n "$N" -c "$C" "$SINK/x" > "$W/ref_get.out"
REF_POST=$(rate "$W/ref_post.out"); REF_GET=$(rate "$W/ref_get.out")

bench_create() { # NAME OUTFILE hey-args...
  local name=$1 out=$2; shift 2
  log "create: $name ($N requests, c=$C)"
  "$HEY" -n "$N" -c "$C" "$@" > "$out"
  check "$out"
  local r; r=$(rate "$out")
  row "serve create req/s: $name (c=$C, $N creates, SQLite)" "$r/s (p99 $(p99 "$out"))" "$REF_POST/s (sink)" "$(echo "$r / $REF_POST" | bc -l | xargs printf '%.2fx')" "(reported)" ""
}
bench_create "Bond POST /api/v0.1/webhooks" "$W/bond.out" -m POST -T application/json -H 'Identity: i' -H 'Authorization: k' -D "$W/bond.json" "$U/api/v0.1/webhooks"
bench_create "Svix POST /api/v1/app/{app}/endpoint" "$W/svix.out" -m POST -T application/json -H 'Authorization: Bearer k' -D "$W/svix.json" "$U/api/v1/app/bench/endpoint"
bench_create "Stripe POST /v1/webhook_endpoints (form)" "$W/stripe.out" -m POST -T application/x-www-form-urlencoded -H 'Authorization: Bearer sk_test_k' -D "$W/stripe.form" "$U/v1/webhook_endpoints"

bench_list() { # NAME SUBS REQUESTS URL hey-args...
  local name=$1 subs=$2 n=$3 url=$4; shift 4
  local out=$W/list.out
  log "list: $name ($n requests, c=$C, $subs subscriptions in the store)"
  "$HEY" -n "$n" -c "$C" "$@" "$url" > "$out"
  check "$out"
  local r; r=$(rate "$out")
  row "serve list req/s: $name, $subs subscriptions in the store" "$r/s (p99 $(p99 "$out"))" "$REF_GET/s (sink)" "$(echo "$r / $REF_GET" | bc -l | xargs printf '%.2fx')" "(reported)" ""
}
# Provider ids live in subscription metadata, filtered and indexed in SQL
# (it was O(n) in Go before schema 4): a list reads its page. Measured at a
# test suite's size (200 subscriptions: 100 per API) and at 1,000.
fill() { # COUNT: COUNT more endpoints through each of the Svix and Stripe APIs
  "$HEY" -n "$1" -c 4 -m POST -T application/json -H 'Authorization: Bearer k' -D "$W/svix.json" "$U/api/v1/app/bench/endpoint" >/dev/null
  "$HEY" -n "$1" -c 4 -m POST -T application/x-www-form-urlencoded -H 'Authorization: Bearer sk_test_k' -D "$W/stripe.form" "$U/v1/webhook_endpoints" >/dev/null
}
curl -sf -XPOST "$U/_hookctl/reset" >/dev/null
curl -sf -XPOST -H 'Authorization: Bearer k' -d '{"name":"bench","uid":"bench"}' "$U/api/v1/app" >/dev/null
curl -sf -XPOST -H 'Authorization: Bearer k' -d '{"name":"order.created","description":"bench"}' "$U/api/v1/event-type" >/dev/null # svix.json's filterTypes
LN=$N; [ "${BENCH_SMOKE:-0}" = 1 ] || LN=$((N / 2))
fill 100
bench_list "Stripe GET /v1/webhook_endpoints?limit=10" 200 "$LN" "$U/v1/webhook_endpoints?limit=10" -H 'Authorization: Bearer sk_test_k'
bench_list "Svix GET /api/v1/app/{app}/endpoint?limit=50" 200 "$LN" "$U/api/v1/app/bench/endpoint?limit=50" -H 'Authorization: Bearer k'
fill 400
bench_list "Stripe GET /v1/webhook_endpoints?limit=10" 1000 "$((LN / 5))" "$U/v1/webhook_endpoints?limit=10" -H 'Authorization: Bearer sk_test_k'
bench_list "Svix GET /api/v1/app/{app}/endpoint?limit=50" 1000 "$((LN / 5))" "$U/api/v1/app/bench/endpoint?limit=50" -H 'Authorization: Bearer k'

# Svix messages and Stripe events: filtered and paged in SQL (schema 5/6
# indexes the Svix application header); they decoded every event in the
# store per request before. M messages in one application, M/10 Stripe-style
# events beside them.
bench_get() { # NAME WHAT REQUESTS hey-args... (EXPECT=STATUS: the one status every answer must have)
  local name=$1 what=$2 n=$3; shift 3
  local out=$W/get.out
  log "$name ($n requests, c=$C, $what)"
  "$HEY" -n "$n" -c "$C" "$@" > "$out"
  check "$out" "${EXPECT:-}"
  local r; r=$(rate "$out")
  row "serve req/s: $name, $what" "$r/s (p99 $(p99 "$out"))" "$REF_GET/s (sink)" "$(echo "$r / $REF_GET" | bc -l | xargs printf '%.2fx')" "(reported)" ""
}
M=$((N * 4))
curl -sf -XPOST "$U/_hookctl/reset" >/dev/null
curl -sf -XPOST -H 'Authorization: Bearer k' -d '{"name":"bench","uid":"bench"}' "$U/api/v1/app" >/dev/null
curl -sf -XPOST -H 'Authorization: Bearer k' -d '{"name":"order.created","description":"bench"}' "$U/api/v1/event-type" >/dev/null # svix.json's filterTypes
echo '{"eventType":"order.created","payload":{"order":"o-1"}}' > "$W/msg.json"
echo '{"eventType":"order.created","payload":{"order":"o-1"},"eventId":"ord-1"}' > "$W/msg_dup.json"
echo '{"type":"payment.succeeded","provider":"saas"}' > "$W/trig.json"
curl -sf -XPOST -H 'Authorization: Bearer sk_test_k' -d @"$W/stripe.form" "$U/v1/webhook_endpoints" >/dev/null # takes the triggered events
log "filling: $M Svix messages, $((M / 10)) Stripe-style events"
"$HEY" -n "$M" -c 8 -m POST -T application/json -H 'Authorization: Bearer k' -D "$W/msg.json" "$U/api/v1/app/bench/msg" > "$W/fill.out"; check "$W/fill.out"
"$HEY" -n "$((M / 10))" -c 8 -m POST -T application/json -D "$W/trig.json" "$U/_hookctl/trigger" > "$W/fill.out"; check "$W/fill.out"
curl -sf -XPOST -H 'Authorization: Bearer k' -H 'Content-Type: application/json' -d @"$W/msg_dup.json" "$U/api/v1/app/bench/msg" >/dev/null
bench_get "Svix GET /api/v1/app/{app}/msg?limit=50" "$M messages in the store" "$((LN / 5))" -H 'Authorization: Bearer k' "$U/api/v1/app/bench/msg?limit=50"
# (Svix answers a message whose eventId the app already used 409 conflict.)
EXPECT=409 bench_get "Svix POST /api/v1/app/{app}/msg, an eventId already sent (409)" "$M messages in the store" "$((LN / 5))" -m POST -T application/json -H 'Authorization: Bearer k' -D "$W/msg_dup.json" "$U/api/v1/app/bench/msg"
bench_get "Stripe GET /v1/events?limit=10" "$((M / 10)) Stripe-style among $((M + M / 10)) events" "$((LN / 5))" -H 'Authorization: Bearer sk_test_k' "$U/v1/events?limit=10"
