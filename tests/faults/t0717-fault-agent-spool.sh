#!/bin/sh
# t0717-fault-agent-spool: the agent's spools when a batch's put and its removal fail (the
# batch left "stuck", the spool held: agent/spool.c) and when the server lacks the baseline.
# 1. A file integrity batch carrying a drop count (gap.dropped) left stuck: the count reaches
#    the server once, whether the batch is removed later in the run or a restart sends it
#    (without the fix the count was given back to the spool's count as well: a restart sent
#    it twice). 2. A 409 (the server lacks the baseline) whose baseline announcement cannot be
#    spooled is said, and --once exits 1 (it was dropped without a word). 3. A held spool is
#    said once a tick (it was said up to three times: before sending, before taking, after).
# 4. After a 409, the baseline announced again whose put and removal both fail (stuck,
#    carrying the drop count) is not sent later in the same loop: the server hears of the drop
#    once (the loop checked the hold only before it began: the batch went, and the next check
#    carried the count again).
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
export MAMORI_LANG=ja
is() { # is NAME WANT GOT
	if [ "$3" = "$2" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi
}
echo "x" >"$TMP/token"
chmod 600 "$TMP/token"
S="$TMP/state"
mkdir -p "$TMP/tree"
echo "conf" >"$TMP/tree/app.conf"
printf 'Conf = p+u+g+s+m+c+i+n+sha256\n%s Conf\n' "$TMP/tree" >"$TMP/fim.conf"

# A stub server: answers each POST with the first of the statuses in $TMP/status, taken off
# the list (200 when none is left), and keeps each body, one a line, in $TMP/received
python3 - "$TMP/port" "$TMP/received" "$TMP/status" <<'PY' &
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(sys.argv[2], 'ab') as f:
            f.write(body.replace(b'\n', b' ') + b'\n')
        try:
            q = open(sys.argv[3]).read().split()
            status = int(q[0])
            open(sys.argv[3], 'w').write(' '.join(q[1:]))
        except (OSError, ValueError, IndexError):
            status = 200
        answer = b'{}' if status == 200 else b'{"error":"stub"}'
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(sys.argv[1] + '.tmp', 'w').write(str(s.server_address[1]))
import os; os.rename(sys.argv[1] + '.tmp', sys.argv[1])
s.serve_forever()
PY
STUB=$!
AG=
trap 'kill $STUB 2>/dev/null; [ -z "$AG" ] || kill "$AG" 2>/dev/null; rm -rf "$TMP"' EXIT
for _i in $(seq 1 300); do [ -s "$TMP/port" ] && break; sleep 0.1; done
# away ARGS: one tick for a server that is not there; sending ARGS: one tick to the stub
away() {
	"$MAMORI" agent --server http://127.0.0.1:1 --token-file "$TMP/token" --spool "$S" \
		--fim-config "$TMP/fim.conf" --host h --once "$@"
}
sending() {
	"$MAMORI" agent --server "http://127.0.0.1:$(cat "$TMP/port")" --token-file "$TMP/token" \
		--spool "$S" --fim-config "$TMP/fim.conf" --host h --once "$@"
}
# gaps: the drop counts the stub received, summed
gaps() {
	python3 - "$TMP/received" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding='utf-8'):
    line = line.strip()
    if line.startswith('{'):
        n += json.loads(line).get('gap', {}).get('dropped', 0)
print(n)
PY
}

# 1. a stuck batch's drop count, once: removed later in the same run (count=1) or sent by the
# restart (count=0)
for _cnt in 1 0; do
	rm -rf "$S" "$TMP/received"
	away 2>/dev/null                       # the baseline batch: the spool holds 1
	away --spool-max-files 1 2>/dev/null   # the check dropped: counted
	is "gap (count=$_cnt): one batch dropped and counted" 1 "$(cat "$S/spool/dropped")"
	_before=$(injected)
	faulty "op=fsync path=$S/spool count=0 errno=EIO; op=unlink path=$S/spool/0*.json at=1 count=$_cnt errno=EIO" \
		away 2>"$TMP/agent.err"
	is "gap (count=$_cnt): the next check's put failed and its removal too: --once exits 1" 1 "$?"
	check "gap (count=$_cnt): the faults were injected" \
		"[ $(($(injected) - _before)) -ge 2 ] && grep -q '^unlink EIO $S/spool/0' '$FLOG'"
	check "gap (count=$_cnt): said in Japanese" "grep -q 'を削除できませんでした' '$TMP/agent.err'"
	if [ "$_cnt" = 0 ]; then
		check "gap (count=0): the batch carrying the count is still there" \
			"grep -l '\"dropped\":1' '$S'/spool/0*.json >/dev/null"
		is "gap (count=0): and the spool's count does not hold it again" 0 \
			"$(cat "$S/spool/dropped")"
	else
		is "gap (count=1): the batch removed, its count is the spool's again" 1 \
			"$(cat "$S/spool/dropped")"
	fi
	sending 2>>"$TMP/agent.err"
	is "gap (count=$_cnt): the next run exits 0" 0 "$?"
	is "gap (count=$_cnt): the server hears of the drop once" 1 "$(gaps)"
	sending 2>>"$TMP/agent.err"
	is "gap (count=$_cnt): and not again" 1 "$(gaps)"
done

# 2. the server lacks the baseline (409) and its announcement cannot be spooled: every sync of
# the spool's folder fails, so the first announcement's put fails (said) and the second's
# number cannot be taken (the removal of the first not synced): said too, exit 1
rm -rf "$S" "$TMP/received"
away 2>/dev/null
away 2>/dev/null
echo "409 409" >"$TMP/status"
faulty "op=fsync path=$S/spool count=0 errno=EIO" sending 2>"$TMP/agent.err"
is "409: --once exits 1" 1 "$?"
is "409: both batches were refused" 2 "$(grep -c . "$TMP/received")"
check "409: the announcement not spooled is said, in Japanese" \
	"grep -q 'このエージェントのベースラインがありません（HTTP 409）が、もう一度知らせることができませんでした' '$TMP/agent.err'"
rm -f "$TMP/status"

# 3. a held log spool, said once a tick: an agent running (1 s ticks) whose stuck batch cannot
# be removed for good; its hold messages grouped by tick (their times more than 0.4 s apart)
rm -rf "$S" "$TMP/received"
printf 'line-1\nline-2\n' >"$TMP/app.log"
LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT_LOG="$FLOG" \
	MAMORI_FAULT="op=fsync path=$S/spool-logs at=2 errno=EIO; op=unlink path=$S/spool-logs/0*.ndjson count=0 errno=EIO" \
	"$MAMORI" agent --server http://127.0.0.1:1 --token-file "$TMP/token" --spool "$S" \
	--follow "$TMP/app.log" --host h --interval 1s 2>"$TMP/agent.err" &
AG=$!
sleep 4.5
kill "$AG"
wait "$AG"
AG=
python3 - "$TMP/agent.err" >"$TMP/ticks" <<'PY'
import datetime, sys
times = []
for line in open(sys.argv[1], encoding='utf-8'):
    if 'スプールできなかったバッチ' in line:
        t = line.split()[2]
        times.append(datetime.datetime.strptime(t, '%Y-%m-%dT%H:%M:%S.%fZ').timestamp())
groups = []
for t in times:
    if groups and t - groups[-1][-1] < 0.4:
        groups[-1].append(t)
    else:
        groups.append([t])
print(' '.join(str(len(g)) for g in groups))
PY
check "held: the hold was said in at least 3 ticks ($(cat "$TMP/ticks"))" \
	"[ $(wc -w <"$TMP/ticks") -ge 3 ]"
is "held: once in each tick" "" "$(tr ' ' '\n' <"$TMP/ticks" | grep -v '^1$')"
check "held: nothing was sent or spooled beside the stuck batch" \
	"[ $(ls "$S/spool-logs" | grep -c 'ndjson$') -le 1 ]"

# 4. a 409, then the announcement's put fails (the second sync of the spool's folder) and its
# removal too: stuck, carrying the spool's drop count 1; it must wait until it is removed (the
# check of the same run then carries the count) or sent by a restart
rm -rf "$S" "$TMP/received"
away 2>/dev/null                       # the baseline batch: the spool holds 1
away --spool-max-files 1 2>/dev/null   # the check dropped: counted
is "409 stuck: one batch dropped and counted" 1 "$(cat "$S/spool/dropped")"
echo "409" >"$TMP/status"
_before=$(injected)
faulty "op=fsync path=$S/spool at=2 count=1 errno=EIO; op=unlink path=$S/spool/0*.json at=2 count=1 errno=EIO" \
	sending 2>"$TMP/agent.err"
is "409 stuck: --once exits 1" 1 "$?"
check "409 stuck: the faults were injected" \
	"[ $(($(injected) - _before)) -ge 2 ] && grep -q '^unlink EIO $S/spool/0' '$FLOG'"
is "409 stuck: the stuck announcement (batch 3) was not sent" 0 \
	"$(grep -c '"seq":3,' "$TMP/received")"
sending 2>>"$TMP/agent.err"
is "409 stuck: the next run exits 0" 0 "$?"
is "409 stuck: the server hears of the drop once" 1 "$(gaps)"
sending 2>>"$TMP/agent.err"
is "409 stuck: and not again" 1 "$(gaps)"
rm -f "$TMP/status"

tally_faults "$(injected)" 0
done_testing
