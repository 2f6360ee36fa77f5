#!/usr/bin/env bash
# bench/store.sh — outbox delivery throughput: deliveries/s with 1, 2 and 4
# `hookctl worker` processes sharing one PostgreSQL store, against one
# `hookctl worker` on SQLite. Each run enqueues EVENTS events (one delivery each) to a local
# receiver answering 200, then times the workers until every delivery is
# recorded succeeded (attempt and state committed).
#
#   bench/store.sh                 EVENTS=10000 (a few minutes on 2 cores)
#   EVENTS=1000 bench/store.sh
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

printf 'store\tworkers\tevents\tdeliveries/s\tenqueue events/s\treceived\n'
"$work/storebench" run -hookctl "$work/hookctl" -store "$work/hookctl.db" -workers 1 -events "$EVENTS" | sed 's/^sqlite/sqlite (WAL, synchronous=NORMAL)/' | tee "$work/sqlite.tsv"
sqlite_rate=$(cut -f4 "$work/sqlite.tsv")
# row for bench/run's table: PostgreSQL workers against one SQLite process
pgrow() {
  [ -n "${BENCH_TSV:-}" ] || return 0
  local line rate
  while IFS= read -r line; do
    rate=$(echo "$line" | cut -f4)
    printf 'store: deliveries/s, %s, %s worker(s)\t%s/s\t%s/s (sqlite, 1 process)\t%.2fx\t(reported)\t\n' \
      "$(echo "$line" | cut -f1)" "$(echo "$line" | cut -f2)" "$rate" "$sqlite_rate" "$(echo "$rate / $sqlite_rate" | bc -l)" >> "$BENCH_TSV"
  done
}

for mode in on off; do
  eval "$(PG_SETTINGS="-c synchronous_commit=$mode" bash .ci/pg.sh start)"
  pgdir=$PG_TEST_DIR
  export HOOKCTL_TEST_POSTGRES
  for k in 1 2 4; do
    "$work/storebench" run -hookctl "$work/hookctl" -store pg -workers "$k" -events "$EVENTS" | sed "s/^postgres/postgres (synchronous_commit=$mode)/" | tee >(pgrow)
  done
  bash .ci/pg.sh stop "$pgdir"
  pgdir=""
done
