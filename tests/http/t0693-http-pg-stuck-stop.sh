#!/bin/sh
# t0693: a server whose door is stuck still stops on SIGTERM (issue 18): another session holds
# the writers' lock of a PostgreSQL ward (as a hung node did), an API act waits for it, and the
# server's watch (agents' silence, moves dated ahead) waits for the door behind it. SIGTERM ends
# the server within its grace period (10 s), saying that it stopped without the act; nothing
# of the act is stored, the server starts again and the ledger verifies. Before, the watch held
# the signal thread in the door, and stopping waited for the worker until the lock timed out
# (lock_timeout, 30 s).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
HOLDER=
# (pg_stop ends the holder's session too)
pg_test_start 'kill "$HOLDER" 2>/dev/null; server_stop; pg_stop; rm -rf "$TMP"'
"$MAMORI" --dir "$D" init --store "$PG_URL" --profile minato >/dev/null 2>&1
printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
m section add zeimu --name 税務課 >/dev/null
printf '%s\n' "$PW" | m user add sato --name 佐藤花子 --section zeimu --password-stdin >/dev/null
server_start
TOK=$(token sato)
check "an API token for sato" "[ -n '$TOK' ]"
act() { # act TITLE: an API act; prints its HTTP status
	curl -s -m 60 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK" \
		-H 'Content-Type: application/json' \
		-d "{\"register\":\"asset\",\"fields\":{\"title\":\"$1\",\"level\":\"1\",\"section\":\"zeimu\",\"access_controlled\":\"true\"}}" \
		"${URL}api/v1/records"
}
is "an act before the lock" "$(act before)" 200
stored() { pg_psql -d mamori -Atc "SELECT count(*) FROM records WHERE register = 'asset'"; }
n0=$(stored)

# another session takes the writers' lock (store/store.h STORE_LOCK_WRITER) and keeps it
"$PG_BIN/psql" -X -q -h "$PG_HOST" -p 5432 -U postgres -d mamori \
	-c "SELECT pg_advisory_lock(5570198787613261825)" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
HOLDER=$!
for _i in $(seq 1 100); do
	[ "$(pg_psql -d mamori -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -ge 1 ] && break
	sleep 0.1
done
act stuck >"$TMP/stuck.code" &
ACT=$!
# the act waits for the lock (the server's watch comes to the door every 5 s behind it)
for _i in $(seq 1 100); do
	[ "$(pg_psql -d mamori -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")" -ge 1 ] && break
	sleep 0.1
done
check "the act waits for the lock" "[ \"\$(pg_psql -d mamori -Atc \"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted\")\" -ge 1 ]"
sleep 6
t0=$(date +%s)
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
t1=$(date +%s)
SERVER_PID=
check "SIGTERM stopped the server within its grace period ($((t1 - t0)) s)" "[ $((t1 - t0)) -le 16 ]"
check "with a failure status ($rc)" "[ $rc -ne 0 ]"
check "saying it stopped without the act" "grep -q 'still running after the grace period: stopping without them' '$TMP/serve.err'"
wait "$ACT"
check "the act was not acknowledged ($(cat "$TMP/stuck.code"))" "[ \"\$(cat '$TMP/stuck.code')\" != 200 ]"
# the holder's session ends (its psql with it)
pg_psql -d mamori -Atc "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted" >/dev/null
wait "$HOLDER" 2>/dev/null
HOLDER=
is "nothing of it stored" "$(stored)" "$n0"
server_start
is "the server starts again and acts" "$(act after)" 200
expect "the ledger verifies" 0 m ledger verify
done_testing
