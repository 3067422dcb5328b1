#!/bin/sh
# t0692: a crash under load on two nodes (issue 18 §3): clients create records through the API
# of both nodes at once; the checkpoint leader (node A) is killed with SIGKILL in the middle;
# the clients of node B go on. Every act a client saw acknowledged (200 with its record id) is
# in the database exactly once under its own title, nothing unacknowledged half-made, the
# ledger verifies from node B, and node B takes over signing (a checkpoint signed at its stop
# covers every entry).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
. "$MAMORI_SRCDIR/tests/http/lib-nodes.sh"
pg_test_start nodes_cleanup
"$MAMORI" --dir "$D" init --store "$PG_URL" --profile minato >/dev/null 2>&1
printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
m section add zeimu --name 税務課 >/dev/null
printf '%s\n' "$PW" | m user add sato --name 佐藤花子 --section zeimu --password-stdin >/dev/null
N2="$TMP/node2"
node_dir "$D" "$N2"
node A "$D"
node B "$N2"
check "two nodes started, A signs" "[ -n '$A_URL' ] && [ -n '$B_URL' ] && grep -q 'this server signs' '$TMP/A.out'"
URL=$A_URL
TOK=$(token sato)
check "an API token for sato" "[ -n '$TOK' ]"

# client NAME URL: creates records titled NAME-i until $TMP/stop exists; the titles of the
# acknowledged ones go to $TMP/acked.NAME, every try to $TMP/tried.NAME.
mkdir "$TMP/load"
cat >"$TMP/client.sh" <<'CLIENT'
name=$1 url=$2 tok=$3 dir=$4
i=0
while [ ! -e "$dir/stop" ]; do
	i=$((i + 1))
	t="$name-$i"
	echo "$t" >>"$dir/tried.$name"
	body=$(curl -s -m 20 -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		-w '\n%{http_code}' -d "{\"register\":\"asset\",\"fields\":{\"title\":\"$t\",\"level\":\"1\",\"section\":\"zeimu\",\"access_controlled\":\"true\"}}" \
		"${url}api/v1/records")
	code=$(printf '%s' "$body" | tail -n 1)
	if [ "$code" = 200 ] && printf '%s' "$body" | grep -q '"record":[0-9]'; then
		echo "$t" >>"$dir/acked.$name"
	fi
done
CLIENT
CLIENTS=
for c in a1 a2; do sh "$TMP/client.sh" "$c" "$A_URL" "$TOK" "$TMP/load" & CLIENTS="$CLIENTS $!"; done
for c in b1 b2; do sh "$TMP/client.sh" "$c" "$B_URL" "$TOK" "$TMP/load" & CLIENTS="$CLIENTS $!"; done
# load on both, then the leader dies in the middle of it
for _i in $(seq 1 100); do
	[ "$(cat "$TMP"/load/acked.a* 2>/dev/null | wc -l)" -ge 20 ] &&
		[ "$(cat "$TMP"/load/acked.b* 2>/dev/null | wc -l)" -ge 20 ] && break
	sleep 0.1
done
kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null
A_PID=
before=$(cat "$TMP"/load/acked.b* | wc -l)
for _i in $(seq 1 100); do
	[ "$(cat "$TMP"/load/acked.b* | wc -l)" -ge $((before + 20)) ] && break
	sleep 0.1
done
: >"$TMP/load/stop"
for p in $CLIENTS; do wait "$p"; done

cat "$TMP"/load/acked.* | sort >"$TMP/acked"
acked_a=$(cat "$TMP"/load/acked.a* | wc -l)
acked_b=$(cat "$TMP"/load/acked.b* | wc -l)
check "node A acknowledged acts before it died ($acked_a)" "[ $acked_a -ge 20 ]"
check "node B went on after it ($acked_b, $before before the kill)" "[ $acked_b -ge $((before + 20)) ]"
pg_psql -d mamori -Atc "SELECT fields::json->>'title' FROM records WHERE register = 'asset'" | sort >"$TMP/stored"
check "every acknowledged act is in the database" "[ -z \"\$(comm -23 '$TMP/acked' '$TMP/stored')\" ]"
check "each once" "[ -z \"\$(uniq -d '$TMP/stored')\" ]"
cat "$TMP"/load/tried.* | sort >"$TMP/tried"
check "and nothing that was not tried" "[ -z \"\$(comm -13 '$TMP/tried' '$TMP/stored')\" ]"
n_acts=$(pg_psql -d mamori -Atc "SELECT count(*) FROM acts WHERE kind = 'record.create' AND outcome = 'done' AND via = 'api' AND ledger_index IS NOT NULL")
n_rec=$(wc -l <"$TMP/stored")
check "one act per record made ($n_acts acts, $n_rec records)" "[ '$n_acts' = '$n_rec' ]"
expect "the ledger verifies from node B's directory" 0 "$MAMORI" --dir "$N2" ledger verify
c0=$(checkpoints)
kill -TERM "$B_PID"
wait "$B_PID"
rc_b=$?
B_PID=
check "node B stopped cleanly" "[ $rc_b -eq 0 ]"
check "node B took over signing: a checkpoint at its stop" "[ \"\$(checkpoints)\" -gt '$c0' ]"
is "its checkpoint covers every entry" "$(pg_psql -d mamori -Atc "SELECT size FROM ledger_head")" \
	"$(pg_psql -d mamori -Atc "SELECT max(size) FROM ledger_checkpoint")"
expect "and the ledger verifies with it" 0 "$MAMORI" --dir "$N2" ledger verify
out_has "every checkpoint consistent" "checkpoints consistent"
done_testing
