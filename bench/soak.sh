#!/usr/bin/env bash
# bench/soak.sh — do hookctl's long-running commands stay bounded over time?
# Not a speed benchmark and not in bench/run's default set: it runs each
# long-running command for SOAK_MINUTES at a steady, modest rate and samples
# every 10 s what could grow: RSS, open FDs, threads, goroutines (a
# throwaway build with net/http/pprof added through `go build -overlay`,
# nothing in the tree), the SQLite file, its -wal and -shm, listen's
# journal, the logs. What grows with time or requests, not with stored
# data, is a leak. Scenarios (SOAK_ONLY="listen serve worker backlog" picks):
#   listen  listen --ui, forwarding to a receiver that fails 10% and hangs
#           0.5% (--timeout 2s); signed events with fresh ids at SOAK_RATE/s;
#           connections dropped mid-request; the inspector's live stream
#           left open plus streams opened and dropped; a second inspector
#           (hookctl ui) on the same store; store export (a long read) and
#           store prune --older-than 2m every minute, replay --failed
#           every 45 s, and one read transaction held for 60 s.
#   serve   serve (in-process worker, retries after 0s and 2s), Svix
#           messages (each with an idempotency-key, as Svix's libraries
#           send) at SOAK_RATE/2 per s to an endpoint that fails 20%
#           and hangs 0.5%; dropped connections; the inspector's stream;
#           replay --failed every minute; one trigger --count stream (its
#           own samples) to a receiver that takes 20 ms.
#   worker  serve --no-worker taking Svix messages at SOAK_RATE/2 per s,
#           two hookctl workers delivering them (fails 20%, hangs 0.5%;
#           a retry is often sent by the other worker).
#   backlog serve taking 100 Svix messages/s for a receiver that takes 2 s
#           an answer (8 at a time: 4/s): the backlog must wait in the
#           store, not in memory.
# listen and serve run at the same time, then worker and backlog. Output:
# one TSV per process in $SOAK_WORK (kept), heap and goroutine profiles of
# each at the end of its load (go tool pprof -top NAME-heap.pb), a
# start/end table on stderr. Bash reads a script as it runs: to edit this
# file during a soak, run a copy with SOAK_REPO=the checkout.
#   SOAK_MINUTES=10 SOAK_RATE=300 bench/soak.sh
set -euo pipefail
cd "${SOAK_REPO:-$(dirname "$0")/..}"
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"

MIN=${SOAK_MINUTES:-5}
RATE=${SOAK_RATE:-300}
ONLY=${SOAK_ONLY:-listen serve worker backlog}
SECS=${SOAK_SECONDS:-$((MIN * 60))} # (SOAK_SECONDS: a short trial)
DUR=${SECS}s
W=${SOAK_WORK:-$(mktemp -d /tmp/hookctl-soak.XXXXXX)}
mkdir -p "$W/bin" "$W/pprof"
log() { echo "bench/soak: $(date -u +%T) $*" >&2; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# --- build: hookctl plus net/http/pprof when HOOKCTL_SOAK_PPROF names a dir ---
cat > "$W/bin/soakpprof.go" <<'GO'
package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
)

func init() {
	dir := os.Getenv("HOOKCTL_SOAK_PPROF")
	if dir == "" {
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return
	}
	os.WriteFile(filepath.Join(dir, fmt.Sprint(os.Getpid())), []byte(ln.Addr().String()), 0o644)
	go http.Serve(ln, nil)
}
GO
printf '{"Replace":{"%s/zz_soakpprof.go":"%s/bin/soakpprof.go"}}\n' "$PWD" "$W" > "$W/bin/overlay.json"
log "building into $W/bin"
CGO_ENABLED=0 go build -overlay "$W/bin/overlay.json" -o "$W/bin/hookctl" .
go build -o "$W/bin/soakload" ./bench/cmd/soakload
H=$W/bin/hookctl
L=$W/bin/soakload
HEY=$(command -v hey || true)
[ -n "$HEY" ] || { log "hey is missing (go install github.com/rakyll/hey@latest)"; exit 1; }
export HOOKCTL_SOAK_PPROF=$W/pprof NO_COLOR=1

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
waitfile() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done; log "no $1"; return 1; }
waiturl() { for _ in $(seq 200); do curl -sf -o /dev/null "$1" && return 0; sleep 0.05; done; log "$1 never answered"; return 1; }

# sample NAME PID STORE [LOG…]: a TSV row every 10 s while PID lives
sample() {
  local name=$1 pid=$2 db=$3; shift 3
  local out=$W/$name.tsv t0; t0=$(date +%s)
  echo "$pid" > "$W/pprof/$name.pid"
  printf 't_s\trss_kb\tfds\tthreads\tgoroutines\tdb\twal\tshm\tjournal\tlogs\n' > "$out"
  while kill -0 "$pid" 2>/dev/null; do
    local rss fds thr gor="" addr j=0 lg=0 f
    rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null) || break
    thr=$(awk '/^Threads/{print $2}' "/proc/$pid/status" 2>/dev/null) || break
    fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
    if [ -s "$W/pprof/$pid" ]; then
      addr=$(cat "$W/pprof/$pid")
      gor=$(curl -s -m 5 "http://$addr/debug/pprof/goroutine?debug=1" | sed -n 's/^goroutine profile: total //p')
    fi
    for f in "$(dirname "$db")"/journal/*; do [ -f "$f" ] && j=$((j + $(stat -c %s "$f"))); done
    for f in "$@"; do [ -f "$f" ] && lg=$((lg + $(stat -c %s "$f"))); done
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' $(($(date +%s) - t0)) "$rss" "$fds" "$thr" "${gor:--}" \
      "$(stat -c %s "$db" 2>/dev/null || echo 0)" "$(stat -c %s "$db-wal" 2>/dev/null || echo 0)" \
      "$(stat -c %s "$db-shm" 2>/dev/null || echo 0)" "$j" "$lg" >> "$out"
    sleep 10
  done
}
# every SECS CMD…: run CMD every SECS seconds for the soak's length (output to $W/every.log)
every() {
  local secs=$1; shift
  local end=$(($(date +%s) + SECS))
  while [ "$(date +%s)" -lt "$end" ]; do
    sleep "$secs"
    [ "$(date +%s)" -lt "$end" ] || break
    "$@" >> "$W/every.log" 2>&1 || echo "exit $?: $*" >> "$W/every.log"
  done
}

waits=()
scenario_listen() {
  local d=$W/listen; mkdir -p "$d"
  export HOOKCTL_CONFIG_DIR=$d/cfg
  local db=$d/store.db lp up ui2
  lp=$(freeport); up=$(freeport); ui2=$(freeport)
  "$L" recv -url-file "$d/recv.url" -fail 0.1 -hang 0.005 2> "$d/recv.err" & pids+=($!)
  waitfile "$d/recv.url"
  local secret; secret=$("$H" listen --store "$db" --port "$lp" --scheme standard --print-secret)
  "$H" listen --store "$db" --port "$lp" --scheme standard --forward "$(cat "$d/recv.url")/hook" --timeout 2s \
    --ui "127.0.0.1:$up" -o json > "$d/listen.log" 2> "$d/listen.err" & local lpid=$!; pids+=($lpid)
  waiturl "http://127.0.0.1:$lp/healthz"
  "$H" ui --store "$db" --addr "127.0.0.1:$ui2" --no-open > "$d/ui.log" 2>&1 & local upid=$!; pids+=($upid)
  waiturl "http://127.0.0.1:$ui2/"
  sample listen "$lpid" "$db" "$d/listen.log" "$d/listen.err" & pids+=($!)
  sample ui "$upid" "$db" "$d/ui.log" & pids+=($!)
  log "listen: $RATE signed events/s for $DUR (pid $lpid), ui pid $upid"
  "$L" sign -url "http://127.0.0.1:$lp/" -secret "$secret" -rate "$RATE" -dur "$DUR" 2> "$d/sign.err" & waits+=($!)
  "$L" drop -addr "127.0.0.1:$lp" -rate 10 -dur "$DUR" 2> "$d/drop.err" & waits+=($!)
  "$L" sse -url "http://127.0.0.1:$up/live" -churn 2 -dur "$DUR" 2> "$d/sse.err" & waits+=($!)
  "$L" sse -url "http://127.0.0.1:$ui2/live?status=failed" -churn 1 -dur "$DUR" 2> "$d/sse2.err" & waits+=($!)
  every 60 sh -c "'$H' store export --store '$db' > /dev/null" & waits+=($!)
  every 60 "$H" store prune --store "$db" --older-than 2m --yes & waits+=($!)
  # One long read (60 s, a third of the way in): the WAL grows while it
  # lasts and must shrink back after it.
  (sleep $((SECS / 3)); python3 -c "
import sqlite3, time
c = sqlite3.connect('$db'); c.execute('BEGIN'); c.execute('SELECT count(*) FROM events').fetchone()
time.sleep(60); c.rollback()") > "$d/longread.log" 2>&1 & waits+=($!)
  every 45 "$H" replay --store "$db" --failed --yes --no-retry --timeout 2s & waits+=($!)
}

svix_setup() { # svix_setup URL RECEIVER
  curl -sf -XPOST -H 'Authorization: Bearer k' -d '{"name":"soak","uid":"soak"}' "$1/api/v1/app" > /dev/null
  curl -sf -XPOST -H 'Authorization: Bearer k' -H 'Content-Type: application/json' \
    -d "{\"url\":\"$2/hook\",\"filterTypes\":[\"order.created\"]}" "$1/api/v1/app/soak/endpoint" > /dev/null
  echo '{"eventType":"order.created","payload":{"order":"o-1","note":"soak"}}' > "$W/msg.json"
}

scenario_serve() {
  local d=$W/serve; mkdir -p "$d"
  export HOOKCTL_CONFIG_DIR=$d/cfg
  local db=$d/store.db sp; sp=$(freeport)
  "$L" recv -url-file "$d/recv.url" -fail 0.2 -hang 0.005 2> "$d/recv.err" & pids+=($!)
  "$L" recv -url-file "$d/slow.url" -delay 20ms 2> "$d/slow.err" & pids+=($!)
  waitfile "$d/recv.url"; waitfile "$d/slow.url"
  "$H" serve --store "$db" --port "$sp" --retry-schedule 0s,2s --timeout 2s \
    > "$d/serve.log" 2> "$d/serve.err" & local spid=$!; pids+=($spid)
  local u=http://127.0.0.1:$sp
  waiturl "$u/_hookctl/health"
  svix_setup "$u" "$(cat "$d/recv.url")"
  "$H" subscribe --store "$db" --url "$(cat "$d/slow.url")/t" --events 'card.*' > /dev/null
  sample serve "$spid" "$db" "$d/serve.log" "$d/serve.err" & pids+=($!)
  log "serve: $((RATE / 2)) Svix messages/s for $DUR (pid $spid)"
  "$L" svix -url "$u" -rate $((RATE / 2)) -dur "$DUR" 2> "$d/svix.err" & waits+=($!)
  "$L" drop -addr "127.0.0.1:$sp" -rate 10 -dur "$DUR" 2> "$d/drop.err" & waits+=($!)
  "$L" sse -url "$u/live" -churn 1 -dur "$DUR" 2> "$d/sse.err" & waits+=($!)
  every 60 "$H" replay --store "$db" --failed --yes --no-retry & waits+=($!)
  # One long trigger stream (~100/s: the receiver takes 20 ms, 2 in flight).
  "$H" trigger --store "$db" card.created --count $((SECS * 100)) -c 2 --no-retry --wait "$DUR" \
    > "$d/trigger.log" 2>&1 & local tpid=$!; waits+=($tpid)
  sample trigger "$tpid" "$db" "$d/trigger.log" & pids+=($!)
}

scenario_worker() {
  local d=$W/worker; mkdir -p "$d"
  export HOOKCTL_CONFIG_DIR=$d/cfg
  local db=$d/store.db sp; sp=$(freeport)
  "$L" recv -url-file "$d/recv.url" -fail 0.2 -hang 0.005 2> "$d/recv.err" & pids+=($!)
  waitfile "$d/recv.url"
  "$H" serve --store "$db" --port "$sp" --no-worker --retry-profile svix --time-scale 1000 \
    > "$d/serve.log" 2> "$d/serve.err" & pids+=($!)
  local u=http://127.0.0.1:$sp
  waiturl "$u/_hookctl/health"
  svix_setup "$u" "$(cat "$d/recv.url")"
  "$H" worker --store "$db" --timeout 2s > "$d/worker.log" 2> "$d/worker.err" & local wpid=$!; pids+=($wpid)
  "$H" worker --store "$db" --timeout 2s > "$d/worker2.log" 2> "$d/worker2.err" & local w2pid=$!; pids+=($w2pid)
  sample worker "$wpid" "$db" "$d/worker.log" "$d/worker.err" & pids+=($!)
  sample worker2 "$w2pid" "$db" "$d/worker2.log" "$d/worker2.err" & pids+=($!)
  log "worker: $((RATE / 2)) Svix messages/s through serve --no-worker for $DUR (pid $wpid)"
  "$HEY" -z "$DUR" -c 2 -q $((RATE / 4)) -m POST -T application/json -H 'Authorization: Bearer k' \
    -D "$W/msg.json" "$u/api/v1/app/soak/msg" > "$d/hey.out" & waits+=($!)
}

profiles() { # heap and goroutine profiles of the sampled processes still running
  local f name pid addr
  for f in "$W"/pprof/*.pid; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .pid); pid=$(cat "$f")
    [ -s "$W/pprof/$pid" ] && kill -0 "$pid" 2>/dev/null || continue
    addr=$(cat "$W/pprof/$pid")
    curl -s -m 10 "http://$addr/debug/pprof/heap?gc=1" -o "$W/$name-heap.pb" || true
    curl -s -m 10 "http://$addr/debug/pprof/goroutine?debug=1" -o "$W/$name-goroutines.txt" || true
  done
}

scenario_backlog() {
  local d=$W/backlog; mkdir -p "$d"
  export HOOKCTL_CONFIG_DIR=$d/cfg
  local db=$d/store.db sp; sp=$(freeport)
  "$L" recv -url-file "$d/recv.url" -delay 2s 2> "$d/recv.err" & pids+=($!)
  waitfile "$d/recv.url"
  "$H" serve --store "$db" --port "$sp" --timeout 5s > "$d/serve.log" 2> "$d/serve.err" & local spid=$!; pids+=($spid)
  local u=http://127.0.0.1:$sp
  waiturl "$u/_hookctl/health"
  svix_setup "$u" "$(cat "$d/recv.url")"
  sample backlog "$spid" "$db" "$d/serve.log" "$d/serve.err" & pids+=($!)
  log "backlog: 100 Svix messages/s for $DUR to a receiver that takes 2 s (pid $spid)"
  "$HEY" -z "$DUR" -c 2 -q 50 -m POST -T application/json -H 'Authorization: Bearer k' \
    -D "$W/msg.json" "$u/api/v1/app/soak/msg" > "$d/hey.out" & waits+=($!)
}

summary() { # the first and last samples of each TSV
  for f in "$W"/*.tsv; do
    [ -f "$f" ] || continue
    echo "== $(basename "$f" .tsv) (t_s rss_kb fds threads goroutines db wal shm journal logs)"
    sed -n 2p "$f"
    tail -1 "$f"
  done
}

for s in listen serve; do case " $ONLY " in *" $s "*) "scenario_$s" ;; esac; done
for p in "${waits[@]}"; do wait "$p" || true; done
sleep 12 # one more sample after the load stopped
profiles
waits=()
case " $ONLY " in *" worker "* | *" backlog "*)
  cleanup; pids=()
  for s in worker backlog; do case " $ONLY " in *" $s "*) "scenario_$s" ;; esac; done
  for p in "${waits[@]}"; do wait "$p" || true; done
  sleep 12
  profiles ;;
esac
summary | tee "$W/summary.txt" >&2
log "samples kept in $W"
