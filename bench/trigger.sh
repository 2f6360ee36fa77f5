#!/usr/bin/env bash
# bench/trigger.sh — deliveries per second of `hookctl trigger` (every
# attempt durably recorded in SQLite) against a minimal local receiver,
# side by side with `hey` POSTing the same signed request at the same
# concurrency in the same run; and peak RSS for --count 20000 and 100000.
# Target (issue 18): >= 0.7x hey; < 150 MB at 100 000 events.
#
#   bench/trigger.sh            full run (20k and 100k events)
#   bench/trigger.sh --smoke    tiny sizes (CI: proves it still runs)
#
# Standalone or from bench/run (which sets BENCH_BIN, BENCH_WORK, BENCH_TSV).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

SMOKE=${BENCH_SMOKE:-0}
[ "${1:-}" = "--smoke" ] && SMOKE=1
COUNT=20000 BIG=100000 CONC=64
[ "$SMOKE" = 1 ] && COUNT=300 BIG=1000

OWN_WORK=0
if [ -z "${BENCH_WORK:-}" ]; then
  BENCH_WORK=$(mktemp -d /tmp/hookctl-trigger-bench.XXXXXX)
  OWN_WORK=1
fi
WORK=$BENCH_WORK/trigger
mkdir -p "$WORK"
BIN=${BENCH_BIN:-$WORK/bin}
mkdir -p "$BIN"
SINK_PID=""
cleanup() {
  [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
  [ "$OWN_WORK" = 1 ] && rm -rf "$BENCH_WORK"
  return 0
}
trap cleanup EXIT
log() { echo "bench/trigger: $*" >&2; }
row() { [ -n "${BENCH_TSV:-}" ] && printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$BENCH_TSV"; return 0; }

[ -x "$BIN/hookctl" ] || go build -trimpath -o "$BIN/hookctl" .
[ -x "$BIN/sink" ] || go build -trimpath -o "$BIN/sink" ./bench/cmd/sink
HEY=$(command -v hey || true)
if [ -z "$HEY" ]; then
  if [ ! -x "$WORK/gobin/hey" ]; then
    log "installing hey into a temporary GOBIN"
    GOBIN=$WORK/gobin go install github.com/rakyll/hey@latest >/dev/null 2>&1 || true
  fi
  HEY=$WORK/gobin/hey
fi

export HOOKCTL_CONFIG_DIR=$WORK/config NO_COLOR=1
rm -f "$WORK/url" # a reused BENCH_WORK: never read the previous sink's address
"$BIN/sink" -url-file "$WORK/url" -dump "$WORK/body" 2>"$WORK/sink.log" &
SINK_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL=$(cat "$WORK/url")/webhooks

# trigger_run COUNT STORE: prints "seconds peak_rss_kib"
trigger_run() {
  local n=$1 db=$2
  rm -f "$db" "$db"-*
  HOOKCTL_STORE=$db "$BIN/hookctl" subscribe --url "$URL" --events "*" --scheme standard >/dev/null 2>&1
  local start end
  start=$(date +%s.%N)
  HOOKCTL_STORE=$db /usr/bin/time -f '%M' -o "$WORK/rss" \
    "$BIN/hookctl" trigger card.created --count "$n" --concurrency "$CONC" --no-retry >"$WORK/trigger.out" 2>"$WORK/trigger.err" || {
    log "trigger failed:"; tail -5 "$WORK/trigger.err" >&2; tail -3 "$WORK/trigger.out" >&2; return 1; }
  end=$(date +%s.%N)
  local ok
  ok=$(HOOKCTL_STORE=$db "$BIN/hookctl" deliveries list --status succeeded --limit 0 | wc -l)
  if [ "$ok" -ne "$n" ]; then log "only $ok of $n deliveries succeeded"; return 1; fi
  echo "$(echo "$end - $start" | bc -l) $(cat "$WORK/rss")"
}

# Both sides are measured ROUNDS times, interleaved (trigger, hey, trigger,
# hey …), and compared by their medians: on a small machine one run of
# either swings by ±5 %.
ROUNDS=3
[ "$SMOKE" = 1 ] && ROUNDS=1
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
hey_once() {
  local hargs=() ct
  while IFS= read -r h; do [ -n "$h" ] && hargs+=(-H "$h"); done < "$WORK/body.headers"
  ct=$(grep -i '^content-type:' "$WORK/body.headers" | head -1 | cut -d' ' -f2- || true)
  "$HEY" -n "$COUNT" -c "$CONC" -m POST -T "${ct:-application/json}" -D "$WORK/body" "${hargs[@]}" "$URL" > "$WORK/hey.out"
  awk '/Requests\/sec/{print $2}' "$WORK/hey.out"
}
: > "$WORK/rates"; : > "$WORK/hey_rates"
for round in $(seq "$ROUNDS"); do
  log "trigger --count $COUNT --concurrency $CONC (round $round of $ROUNDS)"
  read -r secs rss20 < <(trigger_run "$COUNT" "$WORK/t20.db")
  echo "$COUNT / $secs" | bc -l >> "$WORK/rates"
  if [ -x "$HEY" ]; then
    hey_once >> "$WORK/hey_rates"
  fi
done
rate=$(median < "$WORK/rates")
secs=$(echo "$COUNT / $rate" | bc -l)
hey_rate="n/a" ratio="n/a"
if [ -s "$WORK/hey_rates" ]; then
  hey_rate=$(median < "$WORK/hey_rates")
  ratio=$(echo "$rate / $hey_rate" | bc -l)
else
  log "hey unavailable: no reference figure"
fi
log "hookctl rates: $(awk '{printf "%.0f ", $1}' "$WORK/rates")/s; hey: $(awk '{printf "%.0f ", $1}' "$WORK/hey_rates")/s"

log "trigger --count $BIG (peak RSS)"
read -r secs100 rss100 < <(trigger_run "$BIG" "$WORK/t100.db")
rate100=$(echo "$BIG / $secs100" | bc -l)

verdict() { [ "$1" = 1 ] && echo ok || echo MISSED; }
ok_ratio=$( [ "$ratio" != n/a ] && echo "$ratio >= 0.7" | bc -l || echo 0)
ok_rss=$(echo "$rss100 < 153600" | bc -l)
printf 'trigger: %d events, concurrency %d\n' "$COUNT" "$CONC"
printf '  hookctl trigger   %8.0f deliveries/s (median of %d; %.2f s, every attempt recorded)\n' "$rate" "$ROUNDS" "$secs"
printf '  hey (same body)   %8.0f req/s (median of %d)\n' "$hey_rate" "$ROUNDS"
printf '  ratio             %8s (target >= 0.7, issue 18) %s\n' "$(printf '%.2f' "$ratio" 2>/dev/null || echo n/a)" "$(verdict "$ok_ratio")"
printf '  peak RSS %6d events: %6.1f MB\n' "$COUNT" "$(echo "$rss20 / 1024" | bc -l)"
printf '  peak RSS %6d events: %6.1f MB (%.0f deliveries/s; target < 150 MB) %s\n' "$BIG" "$(echo "$rss100 / 1024" | bc -l)" "$rate100" "$(verdict "$ok_rss")"
row "trigger: deliveries/s (c=$CONC, $COUNT events)" "$(printf '%.0f/s' "$rate")" "$(printf '%.0f/s' "$hey_rate" 2>/dev/null || echo n/a) (hey)" \
  "$(printf '%.2fx' "$ratio" 2>/dev/null || echo n/a)" ">= 0.7x" "$(verdict "$ok_ratio")"
row "trigger: peak RSS, $BIG events" "$(printf '%.0f MB' "$(echo "$rss100 / 1024" | bc -l)")" \
  "$(printf '%.0f MB' "$(echo "$rss20 / 1024" | bc -l)") ($COUNT events)" "" "< 150 MB" "$(verdict "$ok_rss")"
