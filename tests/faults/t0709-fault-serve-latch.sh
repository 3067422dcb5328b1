#!/bin/sh
# t0709-fault-serve-latch: the log collection's writer meets a failed sync of the database's
# files while the door is idle (no act runs, so the door's own fail-stop never sees it): the
# ledger writer's WAL flush fails, its recovery's full checkpoint fails to sync, and that latches
# the database for the whole process (store/wal.c). mamori serve then stops by itself with status
# 1 and says why, the log is kept, and the next start recovers every acknowledged line. With the
# latch removed the server refuses the batches and goes on, and the test fails.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
mkdir -p "$TMP/ctl" # before the server seals its key (see t0702)
CTL="$TMP/ctl/fault.ctl"
arm() { printf '%s\n' "$1" >"$CTL.new" && mv "$CTL.new" "$CTL" && sleep 0.02; }

ward_make
LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT_CTL="$CTL" MAMORI_FAULT_LOG="$FLOG"
export LD_PRELOAD MAMORI_FAULT_CTL MAMORI_FAULT_LOG
server_start
unset LD_PRELOAD MAMORI_FAULT_CTL MAMORI_FAULT_LOG
login admin "$ADMIN_PW" "$TMP/jar-admin" >/dev/null
c=$(csrf_of "$TMP/jar-admin" /admin/tokens)
LT=$(curl -s -b "$TMP/jar-admin" --data-urlencode "csrf=$c" --data-urlencode login=suzuki \
	--data-urlencode label=logs --data-urlencode scope=logs "${URL}admin/tokens" |
	sed -n 's/.*class="notice ok"[^<]*: \([A-Za-z0-9_-]\{22\}\)<.*/\1/p' | head -1)
check "a token of the logs scope" '[ -n "$LT" ]'
: >"$TMP/acked"
n=0
batch() { # 20 lines tagged lbN-K; code: the HTTP status (000: the server is gone)
	n=$((n + 1))
	: >"$TMP/batch"
	for k in $(seq 1 20); do
		printf '{"host":"fault","app":"t0709","message":"batch lb%s-%s"}\n' "$n" "$k" >>"$TMP/batch"
	done
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $LT" \
		-H 'Content-Type: application/x-ndjson' --data-binary "@$TMP/batch" "${URL}api/v1/logs")
	if [ "$code" = 200 ]; then
		for k in $(seq 1 20); do echo "lb$n-$k" >>"$TMP/acked"; done
	fi
}
batch
check "before the fault a batch is acknowledged ($code)" '[ "$code" = 200 ]'
# every sync of the database's files fails from now on (the WAL's and the database file's)
arm "op=fsync path=*/data/mamori.db* at=1 count=0 errno=EIO"
batch
check "the batch whose flush failed is refused ($code)" 'case $code in 5??) true ;; *) false ;; esac'
batch
check "the next one too: its recovery's checkpoint cannot sync ($code)" \
	'case $code in 5??|000) true ;; *) false ;; esac'
i=0
while kill -0 "$SERVER_PID" 2>/dev/null && [ "$i" -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the server stopped by itself" '! kill -0 "$SERVER_PID" 2>/dev/null'
kill -0 "$SERVER_PID" 2>/dev/null && kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
status=$?
rm -f "$CTL"
check "with exit status 1 ($status)" '[ "$status" -eq 1 ]'
check "saying why" \
	'grep -q "mamori: error: the disk did not confirm a write of the database file.*no connection copies.*stopping" "$TMP/serve.err"'
check "the log is kept" '[ "$(wc -c <"$D/mamori.db-wal")" -gt 32 ]'
F=$(grep -c '^fsync EIO' "$FLOG")

server_start
check "the server starts again" 'kill -0 "$SERVER_PID"'
batch
check "and acknowledges a batch ($code)" '[ "$code" = 200 ]'
server_stop
check "the data directory is consistent" 'consistent "$D"'
"$MAMORI" --dir "$D" log search --grep "batch lb" --limit 100000 --json >"$TMP/found.json"
python3 - "$TMP/found.json" "$TMP/acked" >"$TMP/lost" <<'PY'
import json, sys
found = {h.get('message', '').rsplit(' ', 1)[-1] for h in json.load(open(sys.argv[1]))}
for t in open(sys.argv[2]).read().split():
    if t not in found:
        print(t)
PY
lost=$(wc -l <"$TMP/lost" | tr -d ' ')
check "acknowledged log lines lost: $lost of $(wc -l <"$TMP/acked" | tr -d ' ')" '[ "$lost" -eq 0 ]'
tally_faults "$F" "$lost"
done_testing
