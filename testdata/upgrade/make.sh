#!/usr/bin/env bash
# Regenerates the upgrade fixtures in this directory with the REAL older
# hookctl binaries (built by build.sh from the commits in commits.txt):
#
#   bash testdata/upgrade/build.sh                       # once: /tmp/upg-bin/hookctl-<commit12>
#   eval "$(bash .ci/pg.sh start)"                       # for the PostgreSQL dumps
#   bash testdata/upgrade/make.sh
#   bash .ci/pg.sh stop "$PG_TEST_DIR"
#
# For each schema version (the last commit where it was the newest), the
# old binary records a realistic history (scenario below) into a SQLite
# file (sqlite-vN.db.gz) and, with PostgreSQL, into a schema that is then
# dumped (pg-vN.sql: pg_dump --no-owner --no-privileges --inserts, so the
# test replays it as plain SQL statements), and exports it with its own
# `store export` (sqlite-vN.export.jsonl, pg-vN.export.jsonl). The
# journal-vN/ fixtures are a store and the journal a listen of that
# version left when it was killed with SIGKILL; config-*.yaml are what
# `config set` of that version wrote.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BIN_DIR=${BIN_DIR:-/tmp/upg-bin}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
work=$(mktemp -d /tmp/upg-make.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# A self-signed certificate for the TLS receiver (trigger --insecure).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-keyout "$work/tls.key" -out "$work/tls.crt" >/dev/null 2>&1
coproc RECV { exec python3 "$here/receiver.py" "$work/tls.crt" "$work/tls.key"; }
pids+=("$RECV_PID")
read -r OK FAIL TLS <&"${RECV[0]}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.1; done; echo "nothing on port $1" >&2; return 1; }

# scenario BIN SV: records into $HOOKCTL_STORE what a user of BIN (whose
# newest SQLite schema is SV) would have. From SQLite schema 8 on (the
# fixtures added after schema 7's) it also records what the later schemas
# store: a subscription deleted after its deliveries, an attempt sent with
# --insecure to an https receiver, a replay (the requeue log), check's
# probes, and a received event whose body and a header are not UTF-8.
scenario() {
	local bin=$1 sv=$2 s1 s3 s4 lp lpid
	s1=$($bin subscribe --url "http://127.0.0.1:$OK/hooks" --events 'card.*' --description 'ok receiver' \
		--header 'Authorization: Bearer t0k3n' --header 'X-Env: upgrade' \
		--secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw -o json | jq -r .webhook_id)
	$bin subscribe --url "http://127.0.0.1:$FAIL/hooks" --events '*' --provider bond --description 'failing receiver' \
		--secret whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB >/dev/null
	s3=$($bin subscribe --url "http://127.0.0.1:$OK/disabled" --events 'kyc.*' --description 'disabled one' -o json | jq -r .webhook_id)
	$bin subscriptions disable "$s3" >/dev/null
	$bin subscriptions rotate-secret "$s1" >/dev/null
	if [ "$sv" -ge 8 ]; then
		# deleted below, once card.created went to it
		s4=$($bin subscribe --url "http://127.0.0.1:$OK/gone" --events 'card.*' --description 'deleted one' \
			--secret whsec_4Dlc9DGpNdG3aCT0tJrMfb4JYWIoCRMW -o json | jq -r .webhook_id)
	fi
	# succeeded (ok receiver) and failed after 2 attempts (failing receiver)
	$bin trigger card.created --retry-schedule 0s,10ms >/dev/null 2>&1 || true
	# pending: one failed attempt, the next one an hour away
	$bin trigger kyc.verification.success --retry-schedule 0s,1h --wait 1s >/dev/null 2>&1 || true
	# listen: one event with a valid signature (forwarded), one with a bad one
	lp=$(free_port)
	$bin listen --port "$lp" --secret whsec_plJ3nmyCDGBKInavdOK15jsl --forward "http://127.0.0.1:$OK/app" >"$work/listen.log" 2>&1 &
	lpid=$!
	wait_port "$lp"
	$bin trigger card.status.lost --url "http://127.0.0.1:$lp/" --secret whsec_plJ3nmyCDGBKInavdOK15jsl --no-retry >/dev/null 2>&1 || true
	$bin trigger card.status.stolen --url "http://127.0.0.1:$lp/" --secret whsec_wrongwrongwrongwrongwrong0 --no-retry >/dev/null 2>&1 || true
	if [ "$sv" -ge 8 ]; then
		# unsigned, a body and a header value that are not UTF-8: recorded, answered 401
		printf 'caf\xe9 \xff\xfe\x00\x01 not UTF-8\r\n' | curl -s -o /dev/null --data-binary @- \
			-H 'Content-Type: application/octet-stream' -H "$(printf 'X-Raw: caf\xe9 \xff')" "http://127.0.0.1:$lp/binary" || true
	fi
	kill -INT "$lpid"
	wait "$lpid" || true
	# serve's Svix objects (stored since SQLite schema 7 / PostgreSQL 10)
	if $bin serve --help >/dev/null 2>&1 && $bin serve --help 2>&1 | grep -q -- '--port'; then
		local sp spid auth=(-H 'Authorization: Bearer testsk_local' -H 'Content-Type: application/json')
		sp=$(free_port)
		$bin serve --port "$sp" >"$work/serve.log" 2>&1 &
		spid=$!
		wait_port "$sp"
		curl -s "${auth[@]}" -d '{"name":"Shop","uid":"shop"}' "http://127.0.0.1:$sp/api/v1/app/" >/dev/null
		curl -s "${auth[@]}" -d '{"name":"order.created","description":"An order"}' "http://127.0.0.1:$sp/api/v1/event-type/" >/dev/null
		curl -s "${auth[@]}" -d "{\"url\":\"http://127.0.0.1:$OK/svix\",\"filterTypes\":[\"order.created\"]}" "http://127.0.0.1:$sp/api/v1/app/shop/endpoint/" >/dev/null
		curl -s "${auth[@]}" -d '{"eventType":"order.created","eventId":"evt-order-1","payload":{"order":"o-1"}}' "http://127.0.0.1:$sp/api/v1/app/shop/msg/" >/dev/null
		sleep 1 # the in-process worker delivers the message
		kill -INT "$spid"
		wait "$spid" || true
	fi
	if [ "$sv" -ge 8 ]; then
		# an attempt sent accepting any TLS certificate (recorded since SQLite 10 / PostgreSQL 13)
		$bin trigger card.created --url "https://127.0.0.1:$TLS/secure" --secret whsec_plJ3nmyCDGBKInavdOK15jsl \
			--insecure --no-retry >/dev/null 2>&1 || true
		# a replay of a succeeded delivery: a manual attempt, the requeue log (SQLite 9 / PostgreSQL 12)
		local okd
		okd=$($bin deliveries list --status succeeded --subscription "$s1" -o json | jq -r '.[0].id')
		$bin replay "$okd" --force --yes --no-retry >/dev/null 2>&1 || true
		# check's probes (kind probe, events of source check); the receiver
		# answers 200 to everything, so rejects-missing-signature fails
		$bin check "http://127.0.0.1:$OK/check" --provider bond --secret whsec_plJ3nmyCDGBKInavdOK15jsl \
			--only accepts-valid,rejects-missing-signature >/dev/null 2>&1 || true
		# the subscription's deliveries stay; since SQLite 14 / PostgreSQL 16 they keep its id
		$bin subscriptions delete "$s4" --yes >/dev/null
	fi
	$bin store info >/dev/null
}

# journal_fixture BIN V: a listen of BIN killed with SIGKILL while its
# store was locked (so its two received events are only in its journal).
journal_fixture() {
	local bin=$1 v=$2 lp lpid out=$here/journal-v$2
	env_for "j$v"
	# A fixed path: the journal's header names its store by a hash of the
	# store's absolute path, which the test checks against this path.
	local jdir=/tmp/hookctl-upgrade-journal/v$v
	rm -rf "$jdir"
	mkdir -p "$jdir"
	export HOOKCTL_STORE=$jdir/hookctl.db
	$bin store migrate >/dev/null
	lp=$(free_port)
	$bin listen --port "$lp" --secret whsec_plJ3nmyCDGBKInavdOK15jsl >"$work/listen.log" 2>&1 &
	lpid=$!
	wait_port "$lp"
	coproc LOCK { exec python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10); c.execute("BEGIN EXCLUSIVE"); print("locked", flush=True); sys.stdin.read()' "$HOOKCTL_STORE"; }
	read -r _ <&"${LOCK[0]}"
	for ty in card.created card.status.lost; do
		HOOKCTL_STORE=$work/j$v/trigger.db $bin trigger "$ty" --url "http://127.0.0.1:$lp/" \
			--secret whsec_plJ3nmyCDGBKInavdOK15jsl --no-retry >/dev/null 2>&1
	done
	if [ "$v" -ge 8 ]; then
		# and an unsigned request whose body and X-Raw header are not
		# UTF-8 (answered 401, journalled): unsigned.body is its body
		printf 'caf\xe9 \xff\xfe\x00\x01 not UTF-8\r\n' >"$work/unsigned.body"
		curl -s -o /dev/null --data-binary @"$work/unsigned.body" -H 'Content-Type: application/octet-stream' \
			-H "$(printf 'X-Raw: caf\xe9 \xff')" "http://127.0.0.1:$lp/binary"
	fi
	kill -KILL "$lpid"
	wait "$lpid" || true
	exec {LOCK[1]}>&-
	wait "$LOCK_PID" || true
	rm -rf "$out"
	mkdir -p "$out/journal"
	# gzip: a journal is 4 MiB of mostly preallocated zeros
	gzip -9n <"$HOOKCTL_STORE" >"$out/hookctl.db.gz"
	if [ -s "$HOOKCTL_STORE-wal" ]; then gzip -9n <"$HOOKCTL_STORE-wal" >"$out/hookctl.db-wal.gz"; fi
	for f in "$jdir"/journal/*.journal; do gzip -9n <"$f" >"$out/journal/$(basename "$f").gz"; done
	if [ "$v" -ge 8 ]; then cp "$work/unsigned.body" "$out/unsigned.body"; fi
	echo "$HOOKCTL_STORE" >"$out/store-path.txt"
	HOOKCTL_STORE=$work/j$v/trigger.db $bin store export >"$out/sent.export.jsonl"
	rm -rf "$jdir"
	echo "journal v$v: $(ls "$out/journal")" >&2
}

# config_fixture BIN V: the config.yaml BIN's `config set` wrote.
config_fixture() {
	local bin=$1 v=$2
	env_for "c$v"
	$bin config set output json >/dev/null
	$bin config set timeout 30s >/dev/null
	$bin config set listen_port 9999 >/dev/null
	$bin config set retry_profile svix >/dev/null
	$bin config set provider bond >/dev/null
	$bin config set store "$work/c$v/team.db" >/dev/null
	sed "s|$work/c$v/team.db|STOREPATH|" "$HOOKCTL_CONFIG_DIR/config.yaml" >"$here/config-v$v.yaml"
}

env_for() { # env_for NAME: a fresh data and config directory
	rm -rf "$work/$1"
	mkdir -p "$work/$1/data" "$work/$1/cfg"
	export XDG_DATA_HOME=$work/$1/data HOOKCTL_CONFIG_DIR=$work/$1/cfg NO_COLOR=1
}

# PARTS="journal": only those kinds of fixtures (stores: sqlite-* and
# pg-*; journal: journal-*; config: config-*), default all three.
has_part() { case " ${PARTS:-stores journal config} " in *" $1 "*) return 0 ;; esac; return 1; }

grep -v '^#' "$here/commits.txt" | while read -r commit sv pv; do
	bin=$BIN_DIR/hookctl-${commit:0:12}
	# ONLY="f3f03ab 651e646": those commits' fixtures only (7-hex prefixes)
	if [ -n "${ONLY:-}" ]; then case " $ONLY " in *" ${commit:0:7} "*) ;; *) continue ;; esac; fi
	[ -x "$bin" ] || { echo "no $bin: run build.sh" >&2; exit 1; }
	next_sv=$(grep -v '^#' "$here/commits.txt" | awk -v c="$commit" 'f{print $2; exit} $1==c{f=1}')
	next_pv=$(grep -v '^#' "$here/commits.txt" | awk -v c="$commit" 'f{print $3; exit} $1==c{f=1}')
	# SQLite: the last commit of each version
	if [ "$next_sv" != "$sv" ]; then
		if has_part stores; then
			env_for "s$sv"
			export HOOKCTL_STORE=$work/s$sv/hookctl.db
			scenario "$bin" "$sv"
			[ ! -e "$HOOKCTL_STORE-wal" ] || [ ! -s "$HOOKCTL_STORE-wal" ] || { echo "WAL left for v$sv" >&2; exit 1; }
			$bin store export >"$here/sqlite-v$sv.export.jsonl"
			gzip -9n <"$HOOKCTL_STORE" >"$here/sqlite-v$sv.db.gz"
			echo "sqlite v$sv: $commit" >&2
		fi
		if [ "$sv" -ge 3 ] && has_part journal; then journal_fixture "$bin" "$sv"; fi
		if has_part config; then config_fixture "$bin" "$sv"; fi
	fi
	# PostgreSQL: the last commit of each version
	if [ "$next_pv" != "$pv" ] && [ -n "${HOOKCTL_TEST_POSTGRES:-}" ] && has_part stores; then
		env_for "p$pv"
		schema=hookctl_upgrade_fixture
		psql_url=${HOOKCTL_TEST_POSTGRES}
		"$PGBIN/psql" -q "$psql_url" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
		sep='?'; case $psql_url in *\?*) sep='&' ;; esac
		export HOOKCTL_STORE="$psql_url${sep}search_path=$schema"
		scenario "$bin" "$sv"
		$bin store export >"$here/pg-v$pv.export.jsonl"
		"$PGBIN/pg_dump" --no-owner --no-privileges --inserts --schema="$schema" "$psql_url" |
			grep -v '^\\' | grep -v '^-- Dumped' >"$here/pg-v$pv.sql"
		"$PGBIN/psql" -q "$psql_url" -c "DROP SCHEMA $schema CASCADE" >/dev/null
		echo "postgres v$pv: $commit" >&2
	fi
done
