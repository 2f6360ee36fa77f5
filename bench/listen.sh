#!/usr/bin/env bash
# bench/listen.sh — overhead of `hookctl listen` (verify + forward + record).
#
# One run, side by side, the same wrk load (16 connections, a validly signed
# 1 KiB Standard Webhooks body) against:
#   direct   the minimal app (bench/cmd/benchapp)
#   goproxy  a plain non-verifying Go httputil.ReverseProxy (bench/cmd/goproxy)
#   nginx    proxy_pass with upstream keep-alive (generated config, loopback)
#   listen   hookctl listen --forward app (verifies, forwards, records to SQLite)
# Prints req/s, p50/p99, ratios and listen's peak RSS. Standalone, or called by
# bench/run (rows appended to $BENCH_TSV). BENCH_SMOKE=1: 2 s runs.
#   LISTEN_BENCH_DURATION=10s bench/listen.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH:/usr/sbin"

DUR=${LISTEN_BENCH_DURATION:-5s}
ROUNDS=${LISTEN_BENCH_ROUNDS:-3}
WARM=1s
CONNS=16
CONNS_HIGH=${LISTEN_BENCH_CONNS_HIGH:-64}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then DUR=1s; WARM=1s; ROUNDS=1; fi

own_work=0
if [ -z "${BENCH_WORK:-}" ]; then
  BENCH_WORK=$(mktemp -d /tmp/hookctl-listen-bench.XXXXXX); own_work=1
fi
W=$BENCH_WORK/listen
mkdir -p "$W"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$own_work" = 1 ] && rm -rf "$BENCH_WORK"
  return 0
}
trap cleanup EXIT
log() { echo "bench/listen: $*" >&2; }

# --- tools ---------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  log "installing ${need[*]}"
  (apt-get install -y -o DPkg::Lock::Timeout=120 "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y -o DPkg::Lock::Timeout=120 "${need[@]}" >/dev/null 2>&1; }) || true
  (service nginx stop || nginx -s stop) >/dev/null 2>&1 || true
fi
command -v wrk >/dev/null || { log "wrk is missing and could not be installed: skipped"; exit 0; }

# --- build ---------------------------------------------------------------------
BIN=${BENCH_BIN:-$W/bin}
mkdir -p "$BIN"
if [ ! -x "$BIN/hookctl" ] || [ -z "${BENCH_BIN:-}" ]; then
  log "building"
  go build -trimpath -o "$BIN/hookctl" .
fi
for c in benchapp goproxy benchsign; do
  [ -x "$BIN/$c" ] && [ -n "${BENCH_BIN:-}" ] || go build -trimpath -o "$BIN/$c" "./bench/cmd/$c"
done

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
waitport() { # waitport PORT [PATH]
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null "http://127.0.0.1:$1${2:-/}"; then return 0; fi
    sleep 0.05
  done
  log "port $1 never answered"; return 1
}

APP=$(freeport); GP=$(freeport); NG=$(freeport); LP=$(freeport)
"$BIN/benchapp" -addr "127.0.0.1:$APP" & pids+=($!)
"$BIN/goproxy" -addr "127.0.0.1:$GP" -target "http://127.0.0.1:$APP" & pids+=($!)
waitport "$APP"; waitport "$GP"

have_nginx=0
if command -v nginx >/dev/null; then
  user_line=""
  [ "$(id -u)" = 0 ] && user_line="user root;"
  cat > "$W/nginx.conf" <<NGINX
$user_line
worker_processes auto;
daemon off;
pid $W/nginx.pid;
error_log $W/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $W/nginx-body;
  proxy_temp_path $W/nginx-proxy;
  fastcgi_temp_path $W/nginx-fcgi;
  uwsgi_temp_path $W/nginx-uwsgi;
  scgi_temp_path $W/nginx-scgi;
  upstream app { server 127.0.0.1:$APP; keepalive 64; }
  server {
    listen 127.0.0.1:$NG;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
NGINX
  nginx -c "$W/nginx.conf" -p "$W" 2>>"$W/nginx-error.log" & pids+=($!)
  if waitport "$NG"; then have_nginx=1; else log "nginx did not start: $(tail -3 "$W/nginx-error.log")"; fi
fi

export HOOKCTL_STORE=$W/listen.db HOOKCTL_CONFIG_DIR=$W/cfg
SECRET=$("$BIN/hookctl" listen --port "$LP" --scheme standard --print-secret)
"$BIN/hookctl" listen --port "$LP" --scheme standard --forward "127.0.0.1:$APP/webhooks" -o json \
  > "$W/listen.log" 2> "$W/listen.err" & LPID=$!; pids+=($LPID)
waitport "$LP" /healthz
"$BIN/benchsign" -secret "$SECRET" > "$W/post.lua"

# Sanity: listen accepts the signed request and rejects a tampered one.
code=$(wrk -t1 -c1 -d1s -s "$W/post.lua" "http://127.0.0.1:$LP/" 2>&1 | awk '/Non-2xx/{print $NF}')
[ -n "$code" ] && log "WARNING: listen answered $code non-2xx responses to the signed body"

results=$W/results.txt
: > "$results"
drain() { # wait until listen has written its spooled records to the store
  local p body bad=0
  while :; do
    if ! kill -0 "$LPID" 2>/dev/null; then
      log "listen exited during the benchmark; its stderr ends:"; tail -20 "$W/listen.err" >&2
      return 1
    fi
    body=$(curl -s -m 10 -w ' http=%{http_code}' "http://127.0.0.1:$LP/healthz" || true)
    p=$(printf '%s' "${body% http=*}" | python3 -c 'import json,sys
try: print(json.load(sys.stdin)["pending_records"])
except Exception: print("bad")')
    [ "$p" = 0 ] && return
    if [ "$p" = bad ]; then # say what came back instead of a traceback; give up after ~10 tries
      bad=$((bad + 1))
      log "healthz answered ${body:-nothing} (try $bad)"
      [ "$bad" -ge 10 ] && { tail -20 "$W/listen.err" >&2; return 1; }
      sleep 1
      continue
    fi
    sleep 0.1
  done
}
runwrk() { # runwrk NAME URL [CONNS]
  local c=${3:-$CONNS}
  wrk -t2 -c"$c" -d"$WARM" -s "$W/post.lua" "$2" >/dev/null 2>&1 || true
  case $1 in listen*) drain;; esac
  local out
  out=$(wrk -t2 -c"$c" -d"$DUR" --latency -s "$W/post.lua" "$2" 2>&1)
  echo "$out" > "$W/wrk-$1.txt"
  python3 - "$1" "$W/wrk-$1.txt" >> "$results" <<'PY'
import re, sys
name, txt = sys.argv[1], open(sys.argv[2]).read()
def lat(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, txt, re.M)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = re.search(r"Requests/sec:\s+([\d.]+)", txt)
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", txt)
err = re.search(r"Socket errors:.*", txt)
print(f"{name}\t{float(rps.group(1)) if rps else 0:.0f}\t{lat(50):.3f}\t{lat(99):.3f}\t{bad.group(1) if bad else 0}\t{err.group(0) if err else ''}")
PY
}

# Rounds interleave the targets so background noise hits them alike;
# the table shows medians.
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: wrk -c$CONNS -d$DUR against direct, goproxy, nginx, listen"
  runwrk direct "http://127.0.0.1:$APP/webhooks"
  runwrk goproxy "http://127.0.0.1:$GP/webhooks"
  if [ "$have_nginx" = 1 ]; then runwrk nginx "http://127.0.0.1:$NG/webhooks"; fi
  runwrk listen "http://127.0.0.1:$LP/"
  # listen writes the burst to the store right after it (recording is
  # spooled during load): wait for that before the next round, so its
  # catch-up never steals CPU from another target's run; time it.
  t0=$(date +%s.%N)
  drain
  printf "catchup\t%s\n" "$(python3 -c "import time; print(f'{time.time()-$t0:.2f}')")" >> "$W/catchup.txt"
done
# The same pair with more senders at once (reported, not a target): the
# group commit's flush is latency, which more connections hide.
for round in $(seq 1 "$ROUNDS"); do
  log "round $round/$ROUNDS: wrk -c$CONNS_HIGH -d$DUR against goproxy, listen"
  runwrk goproxy-c$CONNS_HIGH "http://127.0.0.1:$GP/webhooks" "$CONNS_HIGH"
  runwrk listen-c$CONNS_HIGH "http://127.0.0.1:$LP/" "$CONNS_HIGH"
  drain
done
RSS_KB=$(awk '/VmHWM/{print $2}' "/proc/$LPID/status")
kill -INT "$LPID"; wait "$LPID" 2>/dev/null || true
RECORDED=$(grep -c '"kind":"forward"' "$W/listen.log" || true)
SUMMARY=$(grep -E "^Received" "$W/listen.err" | tail -1 || true)
if grep -q '"kind":"rejected"' "$W/listen.log"; then
  log "WARNING: listen rejected requests; first reasons:"
  grep '"kind":"rejected"' "$W/listen.log" | head -3 >&2
fi

CATCHUP=$(awk -F'\t' '{print $2}' "$W/catchup.txt" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
python3 - "$results" "$RSS_KB" "${BENCH_TSV:-}" "$SUMMARY" "$CATCHUP" "$DUR" "$CONNS_HIGH" <<'PY'
import sys, statistics
runs = {}
for l in open(sys.argv[1]):
    if l.strip():
        f = l.rstrip("\n").split("\t")
        runs.setdefault(f[0], []).append(f)
def med(rs, i):
    return statistics.median(float(r[i]) for r in rs)
rows = {n: [n, str(med(rs, 1)), str(med(rs, 2)), str(med(rs, 3)), str(sum(int(r[4]) for r in rs)), rs[-1][5]] for n, rs in runs.items()}
rss = int(sys.argv[2]) / 1024
tsv = sys.argv[3]
print()
print(f"median of {len(runs['listen'])} run(s) each")
print(f"{'target':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}  {'listen ÷ it':>11}")
L = rows["listen"]
hc = sys.argv[7]
LH = rows.get("listen-c" + hc)
for n in ["direct", "goproxy", "nginx", "listen", "goproxy-c" + hc, "listen-c" + hc]:
    if n not in rows: continue
    r = rows[n]
    base = LH if n.endswith("-c" + hc) else L
    ratio = float(base[1]) / float(r[1]) if float(r[1]) else 0
    print(f"{n:10} {float(r[1]):9.0f} {float(r[2]):8.3f} {float(r[3]):8.3f} {r[4]:>8}  {ratio:10.2f}x  {r[5]}")
print(f"listen peak RSS: {rss:.1f} MB")
print(f"listen store catch-up after each {sys.argv[6]} burst (median): {sys.argv[5]} s")
print(f"listen summary: {sys.argv[4]}")
if tsv:
    out = open(tsv, "a")
    def row(fig, h, ref, ratio, target, ok):
        out.write("\t".join([fig, h, ref, ratio, target, "ok" if ok else "MISSED"]) + "\n")
    lr = float(L[1])
    g = rows.get("goproxy"); ng = rows.get("nginx"); d = rows["direct"]
    if g: row("listen req/s vs Go ReverseProxy", f"{lr:.0f}/s", f"{float(g[1]):.0f}/s (httputil)", f"{lr/float(g[1]):.2f}x", ">= 1.3x", lr >= 1.3 * float(g[1]))
    if ng: row("listen req/s vs nginx (moonshot)", f"{lr:.0f}/s", f"{float(ng[1]):.0f}/s (nginx)", f"{lr/float(ng[1]):.2f}x", ">= 0.7x", lr >= 0.7 * float(ng[1]))
    gh = rows.get("goproxy-c" + hc)
    if gh and LH:
        out.write("\t".join([f"listen req/s vs Go ReverseProxy, wrk {hc} conns", f"{float(LH[1]):.0f}/s", f"{float(gh[1]):.0f}/s (httputil)", f"{float(LH[1])/float(gh[1]):.2f}x", "(reported)", ""]) + "\n")
    add = float(L[3]) - float(d[3])
    row("listen p99 added latency", f"{float(L[3]):.2f} ms", f"{float(d[3]):.2f} ms (direct)", f"{add:+.2f} ms", "<= +1 ms", add <= 1.0)
    row("listen peak RSS under load", f"{rss:.1f} MB", "", "", "< 60 MB", rss < 60)
PY
