#!/usr/bin/env bash
# bench/store.sh — outbox delivery throughput: deliveries/s with 1, 2, 4
# and 8 `hookctl worker` processes sharing one PostgreSQL store, against
# one `hookctl worker` on SQLite; and the takeover time of a crashed worker
# (kill -9 of one of two workers: how long until the last delivery it held
# is sent by the other) on both stores. Each run enqueues EVENTS events (one delivery each) to a local
# receiver answering 200, then times the workers until every delivery is
# recorded succeeded (attempt and state committed).
#
#   bench/store.sh                 EVENTS=10000 (a few minutes on 2 cores)
#   EVENTS=1000 bench/store.sh
#
# The rows with a target (PostgreSQL with synchronous_commit=on, 1 and 4
# workers, against SQLite) are the medians of ROUNDS (3; 1 in smoke)
# interleaved runs — SQLite, 1 worker, 4 workers, again — so that load
# from elsewhere on the machine moves both sides of each ratio alike.
#
# PostgreSQL 15 runs twice from .ci/pg.sh with durable settings (fsync on):
# synchronous_commit=on (PostgreSQL's default: every commit flushed), and
# synchronous_commit=off, the equivalent of the SQLite store's WAL with
# synchronous=NORMAL (a crash of hookctl loses nothing; a power cut may lose
# the last commits).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
EVENTS=${EVENTS:-10000}
[ "${BENCH_SMOKE:-0}" = 1 ] && EVENTS=${SMOKE_EVENTS:-1000}

work=$(mktemp -d /tmp/hookctl-storebench.XXXXXX)
pgdir=""
cleanup() {
  if [ -n "$pgdir" ]; then bash .ci/pg.sh stop "$pgdir"; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -trimpath -o "$work/storebench" ./bench/cmd/storebench
go build -trimpath -o "$work/hookctl" .

printf 'store\tworkers\tevents\tdeliveries/s\tenqueue events/s\treceived\tserver cpu µs/delivery\tworkers cpu µs/delivery\treceiver cpu µs/delivery\n'
ROUNDS=${ROUNDS:-3}
[ "${BENCH_SMOKE:-0}" = 1 ] && ROUNDS=1
sqlite_run() {
  rm -f "$work/hookctl.db"*
  "$work/storebench" run -hookctl "$work/hookctl" -store "$work/hookctl.db" -workers 1 -events "$EVENTS" 2>/dev/null |
    sed 's/^sqlite/sqlite (WAL, synchronous=NORMAL)/'
}
pg_run() { # K MODE
  "$work/storebench" run -hookctl "$work/hookctl" -store pg -workers "$1" -events "$EVENTS" 2>/dev/null |
    sed "s/^postgres/postgres (synchronous_commit=$2)/"
}
median() { sort -n | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }
# medianline FILE: FILE's first line with the median rate (field 4)
medianline() {
  local m
  m=$(cut -f4 "$1" | median)
  awk -F'\t' -v OFS='\t' -v m="$m" 'NR == 1 {$4 = m; print}' "$1"
}
# rows for bench/run's table: PostgreSQL workers against one SQLite process
# (target for one worker with synchronous_commit=on: >= 1.0x), and 4
# workers against one (target >= 1.5x).
pgrow() {
  [ -n "${BENCH_TSV:-}" ] || return 0
  local line rate store k target verdict
  while IFS= read -r line; do
    store=$(echo "$line" | cut -f1)
    k=$(echo "$line" | cut -f2)
    rate=$(echo "$line" | cut -f4)
    target="(reported)" verdict=""
    if [ "$k" = 1 ] && [[ "$store" == *"=on"* ]]; then
      target=">= 1.0x"
      verdict=$([ "$(echo "$rate >= $sqlite_rate" | bc -l)" = 1 ] && echo ok || echo MISSED)
    fi
    printf 'store: deliveries/s, %s, %s worker(s)\t%s/s\t%s/s (sqlite, 1 process)\t%.2fx\t%s\t%s\n' \
      "$store" "$k" "$rate" "$sqlite_rate" "$(echo "$rate / $sqlite_rate" | bc -l)" "$target" "$verdict" >> "$BENCH_TSV"
    echo "$rate" > "$work/pg-$k.rate"
  done
}
scaling_row() { # MODE: 4 workers against 1
  [ -n "${BENCH_TSV:-}" ] && [ -s "$work/pg-1.rate" ] && [ -s "$work/pg-4.rate" ] || return 0
  local one four
  one=$(cat "$work/pg-1.rate") four=$(cat "$work/pg-4.rate")
  printf 'store: postgres (synchronous_commit=%s) 4 workers vs 1\t%s/s\t%s/s (1 worker)\t%.2fx\t%s\t%s\n' "$1" "$four" "$one" \
    "$(echo "$four / $one" | bc -l)" "$([ "$1" = on ] && echo '>= 1.5x' || echo '(reported)')" \
    "$([ "$1" = on ] && { [ "$(echo "$four >= 1.5 * $one" | bc -l)" = 1 ] && echo ok || echo MISSED; })" >> "$BENCH_TSV"
}
# takeover ROW-LABEL STORE: seconds from kill -9 to the last orphaned delivery sent
takeover() {
  local out secs n
  out=$("$work/storebench" takeover -hookctl "$work/hookctl" -store "$2" -events "$TAKEOVER_EVENTS" 2>/dev/null) ||
    { echo "takeover on $1 failed" >&2; return 0; }
  secs=$(echo "$out" | cut -f2) n=$(echo "$out" | cut -f3)
  printf 'takeover (%s)\t%ss\t%s deliveries held by the killed worker\t\n' "$1" "$secs" "$n"
  [ -n "${BENCH_TSV:-}" ] && printf 'takeover after kill -9 of a worker (%s)\t%s s\t(%s deliveries it held)\t\t<= 3 s\t%s\n' \
    "$1" "$secs" "$n" "$([ "$(echo "$secs <= 3" | bc -l)" = 1 ] && echo ok || echo MISSED)" >> "$BENCH_TSV"
  return 0
}
TAKEOVER_EVENTS=3000
[ "${BENCH_SMOKE:-0}" = 1 ] && TAKEOVER_EVENTS=600
rm -f "$work/takeover.db"*
takeover sqlite "$work/takeover.db"

for mode in on off; do
  eval "$(PG_SETTINGS="-c synchronous_commit=$mode" bash .ci/pg.sh start)"
  pgdir=$PG_TEST_DIR
  export HOOKCTL_TEST_POSTGRES PG_TEST_DIR
  rm -f "$work"/pg-*.rate "$work"/runs-*.tsv
  if [ "$mode" = on ]; then
    # SQLite, 1 and 4 workers interleaved, ROUNDS times; their medians.
    for r in $(seq "$ROUNDS"); do
      sqlite_run | tee -a "$work/runs-sqlite.tsv"
      pg_run 1 on | tee -a "$work/runs-1.tsv"
      pg_run 4 on | tee -a "$work/runs-4.tsv"
    done
    medianline "$work/runs-sqlite.tsv" > "$work/sqlite.tsv"
    sqlite_rate=$(cut -f4 "$work/sqlite.tsv")
    printf 'median of %s\t%s\n' "$ROUNDS" "$(cut -f1,4 "$work/sqlite.tsv")"
    for k in 1 4; do
      medianline "$work/runs-$k.tsv" > "$work/line"
      printf 'median of %s\t%s\n' "$ROUNDS" "$(cut -f1,2,4 "$work/line")"
      pgrow < "$work/line"
    done
    ks="2 8"
  else
    ks="1 2 4 8"
  fi
  for k in $ks; do
    pg_run "$k" "$mode" | tee "$work/line"
    pgrow < "$work/line"
  done
  scaling_row "$mode"
  [ "$mode" = on ] && takeover "postgres, synchronous_commit=on" pg
  bash .ci/pg.sh stop "$pgdir"
  pgdir=""
done
