#!/bin/sh
# t0712: a crash of `mamori serve` while a sender streams over TCP loses nothing that was
# written to the ledger and makes up nothing that was not received: after kill -9 and a
# restart, every stored message is one that was sent, each once, in the order sent; what
# the ledger held before the kill is all still there; the index and the analysis catch up
# from where they were; and the ledger verifies.
. "$(dirname "$0")/lib.sh"

D="$TMP/d"
m() { "$MAMORI" --dir "$D" "$@"; }
expect "init a ward" 0 m init --profile minato

start() {
	: >"$TMP/serve.out"
	"$MAMORI" --dir "$D" serve --listen 127.0.0.1:0 --syslog-tcp 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
	SERVER=$!
	for _i in $(seq 1 100); do
		grep -q "listening on" "$TMP/serve.out" && break
		sleep 0.1
	done
	TCP=$(sed -n 's/^mamori: syslog tcp on 127.0.0.1:\([0-9]*\)$/\1/p' "$TMP/serve.out")
}
trap 'kill -9 "$SERVER" "$SENDER" 2>/dev/null; rm -rf "$TMP"' EXIT
start
check "the TCP receiver is up" "[ -n '$TCP' ]"

# A sender streaming numbered messages (octet counting) until the server goes away.
python3 - "$TCP" >"$TMP/sent" 2>/dev/null <<'PY' &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
i = 0
try:
    while i < 90000:
        i += 1
        msg = b"<13>1 - crash01 app - - - crash-seq-%07d" % i
        s.sendall(b"%d %s" % (len(msg), msg))
        if i % 1000 == 0:
            print(i, flush=True)
except OSError:
    pass
print(i, flush=True)
PY
SENDER=$!
# kill -9 once some messages are durable and more are on their way
for _i in $(seq 1 200); do
	n=$(m log search --grep crash-seq- --count 2>/dev/null)
	[ "${n:-0}" -ge 3000 ] && break
	sleep 0.05
done
before=$(m log search --grep crash-seq- --count)
kill -9 "$SERVER"
wait "$SERVER" 2>/dev/null
wait "$SENDER" 2>/dev/null
check "messages were durable before the kill ($before)" "[ '$before' -ge 1 ]"
start
check "the server starts again after kill -9" "[ -n '$TCP' ]"
expect "log search --json after the restart" 0 m log search --grep crash-seq- --limit 100000 --json
python3 - "$TMP/out" "$before" "$(tail -1 "$TMP/sent")" >"$TMP/verdict" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
before, sent = int(sys.argv[2]), int(sys.argv[3])
seqs = [int(m["message"].split("crash-seq-")[1]) for m in sorted(d, key=lambda m: m["index"])]
ok = (len(seqs) >= before and seqs == list(range(1, len(seqs) + 1)) and len(seqs) <= sent)
print("ok" if ok else "bad: %d stored, %d before the kill, %d sent, first gaps %s" % (
    len(seqs), before, sent, [s for a, s in zip(range(1, len(seqs) + 1), seqs) if a != s][:3]))
PY
check "stored: the first N sent, each once, in order; none lost that was durable" \
	"[ \"\$(cat '$TMP/verdict')\" = ok ]" || diag "$(cat "$TMP/verdict")"
# search by host (the index, and the tail it has not reached) finds the same messages
for _i in $(seq 1 100); do
	[ "$(m log search --host crash01 --count)" = "$(m log search --grep crash-seq- --count)" ] && break
	sleep 0.1
done
check "searching by host finds them all after the restart" \
	"[ \"\$(m log search --grep crash-seq- --count)\" = \"\$(m log search --host crash01 --count)\" ]"
kill -TERM "$SERVER"
wait "$SERVER" 2>/dev/null
expect "the ledger verifies" 0 m ledger verify
done_testing
