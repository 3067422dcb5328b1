#!/bin/sh
# t0691: two `mamori serve` nodes on one PostgreSQL database (issue 18 §2): one signs the
# ledger's checkpoints (the leader, by a session advisory lock), the other does not; when the
# leader is killed (SIGKILL) its lock goes with its connection and another node takes over and
# signs. Both nodes serve the same ward.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
if ! pg_available; then
	echo "1..0 # SKIP $PG_MISSING"
	exit 0
fi
A_PID= B_PID= SIGNERS=
cleanup() {
	for p in $A_PID $B_PID; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for p in $SIGNERS; do kill -TERM "$p" 2>/dev/null; done
	pg_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
if ! pg_start; then
	not_ok "the throwaway PostgreSQL cluster started (tests/lib/pg.sh)"
	done_testing
fi
"$MAMORI" --dir "$D" init --store "$PG_URL" --profile minato >/dev/null 2>&1
printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
# the second node: its own directory with the same configuration and ledger keys
N2="$TMP/node2"
mkdir -m 700 "$N2"
cp -p "$D/mamori.conf" "$D/ledger.key" "$D/ledger.pub" "$N2/"

# node NAME DIR: starts a server, sets ${NAME}_PID and ${NAME}_URL
node() {
	: >"$TMP/$1.out"
	"$MAMORI" --dir "$2" serve --listen 127.0.0.1:0 >"$TMP/$1.out" 2>"$TMP/$1.err" &
	eval "$1_PID=$!"
	for _i in $(seq 1 150); do
		_u=$(sed -n 's/.*listening on \(.*\)/\1/p' "$TMP/$1.out")
		[ -n "$_u" ] && break
		sleep 0.1
	done
	eval "$1_URL=$_u"
	_s=$(sed -n 's/.*signer process (pid \([0-9]*\)).*/\1/p' "$TMP/$1.out")
	SIGNERS="$SIGNERS $_s"
}
checkpoints() { pg_psql -d mamori -Atc "SELECT count(*) FROM ledger_checkpoint"; }

node A "$D"
check "node A started" "[ -n '$A_URL' ]"
check "node A signs the checkpoints (it came first)" "grep -q 'this server signs' '$TMP/A.out'"
node B "$N2"
check "node B started on the same database" "[ -n '$B_URL' ]"
check "node B says another server signs" "grep -q 'another server signs' '$TMP/B.out'"
URL=$A_URL
is "admin logs in on node A" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-a")"
URL=$B_URL
is "and on node B (one ward)" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-b")"
m ledger note "while two nodes serve" >/dev/null
c0=$(checkpoints)
kill -TERM "$B_PID"
wait "$B_PID"
rc_b=$?
check "node B stopped" "[ $rc_b -eq 0 ]"
B_PID=
check "and did not sign a checkpoint (not the leader)" "[ \"\$(checkpoints)\" = '$c0' ]"

kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null
A_PID=
node B "$N2"
check "node B restarted" "[ -n '$B_URL' ]"
check "it takes over signing once the leader is gone" "grep -q 'this server signs' '$TMP/B.out'"
m ledger note "after the leader died" >/dev/null
kill -TERM "$B_PID"
wait "$B_PID"
B_PID=
check "node B signed a checkpoint at its stop" "[ \"\$(checkpoints)\" -gt '$c0' ]"
expect "the ledger verifies with every checkpoint" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
