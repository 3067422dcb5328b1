#!/bin/sh
# t0705-fault-logs: log batches (POST /api/v1/logs, answered once every line is durable) while
# the server's writes and fsyncs fail on a schedule armed at run time. A batch is acknowledged
# (200) or refused with a 5xx JSON error; the server keeps receiving; with the fault gone the
# ledger verifies and every line of every acknowledged batch is found by `mamori log search`.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
# in its own directory, made before the server seals its key: a file created later directly
# in a directory on the way to ledger.key is not readable to the server (web/sandbox.c)
mkdir -p "$TMP/ctl"
CTL="$TMP/ctl/fault.ctl"
arm() { printf '%s\n' "$1" >"$CTL.new" && mv "$CTL.new" "$CTL"; sleep 0.02; }
disarm() { rm -f "$CTL"; sleep 0.02; }

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
n=0 bad=0 bad_state=0
batch() { # batch SPEC: 20 lines tagged lbN-K under SPEC
	n=$((n + 1))
	: >"$TMP/batch"
	for k in $(seq 1 20); do
		printf '{"host":"fault","app":"t0705","message":"batch lb%s-%s"}\n' "$n" "$k" >>"$TMP/batch"
	done
	[ -n "$1" ] && arm "$1"
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $LT" \
		-H 'Content-Type: application/x-ndjson' --data-binary "@$TMP/batch" "${URL}api/v1/logs")
	disarm
	case $code in
	200) for k in $(seq 1 20); do echo "lb$n-$k" >>"$TMP/acked"; done ;;
	5??) grep -q '"error"' "$TMP/body" || { bad=$((bad + 1)); diag "$1: $code without a JSON error"; } ;;
	*) bad=$((bad + 1)); diag "$1: unexpected $code: $(head -c 200 "$TMP/body")" ;;
	esac
	consistent "$D" quick >"$TMP/why" 2>&1 || { bad_state=$((bad_state + 1)); diag "$(head -3 "$TMP/why")"; }
}
arm "op=count of=write path=*/data/mamori.db*"
batch ""
W=$(grep -c '^count write' "$FLOG")
sed -i '/^count /d' "$FLOG"
check "a batch of 20 lines writes the database ($W writes)" '[ "$W" -gt 2 ]'
for i in 1 2 3 4 6 8 12 16 24 32; do
	[ "$i" -le "$W" ] || continue
	batch "op=write path=*/data/mamori.db* at=$i errno=EIO"
	batch "op=write path=*/data/mamori.db* at=$i errno=ENOSPC"
done
batch "op=write path=*/data/mamori.db* at=1 errno=short"
batch "op=fsync path=*/data/* at=1 errno=EIO"
batch "op=write path=*/data/mamori.db* at=1 count=0 errno=ENOSPC"
check "a batch on a full disk is refused with a 5xx" 'case $code in 5??) true ;; *) false ;; esac'
batch ""
check "with the disk back, the next batch is acknowledged" 'grep -qx "lb$n-20" "$TMP/acked"'
check "the server still serves" 'kill -0 "$SERVER_PID"'
server_stop
N=$(grep -vc '^count ' "$FLOG")
check "faults were injected ($N in $n batches)" '[ "$N" -ge $((n / 2)) ]'
check "every failure was a 5xx JSON error ($bad not)" '[ "$bad" -eq 0 ]'
check "after every fault nothing half-written was visible ($bad_state)" '[ "$bad_state" -eq 0 ]'
"$MAMORI" --dir "$D" log search --grep "batch lb" --limit 100000 --json >"$TMP/found.json"
python3 - "$TMP/found.json" "$TMP/acked" >"$TMP/lost" <<'PY'
import json, sys
found = {h.get('message', '').rsplit(' ', 1)[-1] for h in json.load(open(sys.argv[1]))}
for t in open(sys.argv[2]).read().split():
    if t not in found:
        print(t)
PY
lost=$(wc -l <"$TMP/lost" | tr -d ' ')
[ "$lost" -eq 0 ] || diag "lost: $(head -20 "$TMP/lost" | tr '\n' ' ')"
check "acknowledged log lines lost: $lost of $(wc -l <"$TMP/acked" | tr -d ' ')" '[ "$lost" -eq 0 ]'
check "at the end the data directory is consistent" 'consistent "$D"'
tally_faults "$N" "$lost"
done_testing
